using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmLab.Scaling;
using Spectre.Console;

namespace LlmLab.Cli.Scaling;

/// <summary>
/// The output of <c>llmlab scaling</c>: one line of JSON (numbers in the shortest form that reads back to the same
/// double, invariant culture) or plain-text tables with Chinchilla's published values beside the fitted ones.
/// </summary>
public static class ScalingReport
{
    private static readonly ScalingLaw Chinchilla = ScalingLaw.Chinchilla;

    /// <summary>{"E", "A", "B", "alpha", "beta", "huber_loss", "points"}: what <see cref="FitFile"/> reads back.</summary>
    public static string Json(ScalingFit fit) => Write(json =>
    {
        var law = fit.Law;
        json.WriteNumber("E", law.E);
        json.WriteNumber("A", law.A);
        json.WriteNumber("B", law.B);
        json.WriteNumber("alpha", law.Alpha);
        json.WriteNumber("beta", law.Beta);
        json.WriteNumber("huber_loss", fit.HuberLoss);
        json.WriteNumber("points", fit.Points);
    });

    /// <summary>{"budgets": [{"C", "N_opt", "D_opt"}, ...], "a", "b", "points"}.</summary>
    public static string Json(IsoFlopFit fit) => Write(json =>
    {
        json.WriteStartArray("budgets");
        foreach (var budget in fit.Budgets)
        {
            json.WriteStartObject();
            json.WriteNumber("C", budget.C);
            json.WriteNumber("N_opt", budget.NOpt);
            json.WriteNumber("D_opt", budget.DOpt);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNumber("a", fit.ExponentA);
        json.WriteNumber("b", fit.ExponentB);
        json.WriteNumber("points", fit.Points);
    });

    /// <summary>{"C", "N_opt", "D_opt", "tokens_per_parameter", "loss"}: a plan for one budget.</summary>
    public static string Json(ScalingLaw law, double flops) => Write(json =>
    {
        var (n, d) = law.ComputeOptimal(flops);
        json.WriteNumber("C", flops);
        json.WriteNumber("N_opt", n);
        json.WriteNumber("D_opt", d);
        json.WriteNumber("tokens_per_parameter", d / n);
        json.WriteNumber("loss", law.Loss(n, d));
    });

    public static string Table(ScalingFit fit, double delta, int width)
    {
        var law = fit.Law;
        var table = new Table().Border(TableBorder.Simple)
            .Title($"Approach 3 fit of {fit.Points} runs");
        table.AddColumn("");
        table.AddColumn(new TableColumn("fit").RightAligned());
        table.AddColumn(new TableColumn("Chinchilla").RightAligned());
        AddRow(table, "E", G(law.E), G(Chinchilla.E));
        AddRow(table, "A", G(law.A), G(Chinchilla.A));
        AddRow(table, "B", G(law.B), G(Chinchilla.B));
        AddRow(table, "alpha", G(law.Alpha), G(Chinchilla.Alpha));
        AddRow(table, "beta", G(law.Beta), G(Chinchilla.Beta));
        AddRow(table, "a: N_opt ~ C^a", G(law.ExponentA), G(Chinchilla.ExponentA));
        AddRow(table, "b: D_opt ~ C^b", G(law.ExponentB), G(Chinchilla.ExponentB));
        AddRow(table, $"huber_loss (delta {G(delta)})", G(fit.HuberLoss), "");
        AddRow(table, "points", fit.Points.ToString(CultureInfo.InvariantCulture), "");
        return PlainText.Render(width, table);
    }

    public static string Table(IsoFlopFit fit, int width)
    {
        var budgets = new Table().Border(TableBorder.Simple).Title($"Approach 2 (IsoFLOP) fit of {fit.Points} runs");
        foreach (string name in (string[])["C (FLOPs)", "runs", "N_opt", "D_opt", "tokens/parameter"])
            budgets.AddColumn(new TableColumn(name).RightAligned());
        foreach (var b in fit.Budgets)
            AddRow(budgets, G(b.C), b.Points.ToString(CultureInfo.InvariantCulture), G(b.NOpt), G(b.DOpt), G(b.DOpt / b.NOpt));

        var exponents = new Table().Border(TableBorder.Simple).Title("exponents");
        exponents.AddColumn("");
        exponents.AddColumn(new TableColumn("fit").RightAligned());
        exponents.AddColumn(new TableColumn("Chinchilla").RightAligned());
        AddRow(exponents, "a: N_opt ~ C^a", G(fit.ExponentA), G(Chinchilla.ExponentA));
        AddRow(exponents, "b: D_opt ~ C^b", G(fit.ExponentB), G(Chinchilla.ExponentB));
        return PlainText.Render(width, budgets, exponents);
    }

    public static string Table(ScalingLaw law, string source, double flops, int width)
    {
        var (n, d) = law.ComputeOptimal(flops);
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"compute-optimal plan, {source}"));
        table.AddColumn("");
        table.AddColumn(new TableColumn("value").RightAligned());
        AddRow(table, "C (FLOPs)", G(flops));
        AddRow(table, "N_opt (parameters)", G(n));
        AddRow(table, "D_opt (tokens)", G(d));
        AddRow(table, "tokens per parameter", G(d / n));
        AddRow(table, "predicted loss", G(law.Loss(n, d)));
        AddRow(table, "law", $"E {G(law.E)}, A {G(law.A)}, B {G(law.B)}, alpha {G(law.Alpha)}, beta {G(law.Beta)}");
        return PlainText.Render(width, table);
    }

    /// <summary>Cells as plain text, not Spectre markup (a file name may hold brackets).</summary>
    private static void AddRow(Table table, params string[] cells) => table.AddRow(cells.Select(c => new Text(c)));

    private static string G(double value) => value.ToString("G5", CultureInfo.InvariantCulture);

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }
}
