namespace LlmLab.Cli.Tests;

/// <summary>
/// Bad input to <c>llmlab scaling</c>: one line naming the file and, where there is one, the line; exit code 2;
/// nothing on standard output. Bad arguments add the usage after that line, as for every command.
/// </summary>
public class ScalingErrorTests
{
    private const string Header = "N,D,loss";
    private const string Good = "1e8,2e9,3.5";

    private static CliResult Fit(TempFolder temp, params string[] lines) =>
        CliResult.Run("scaling", "fit", "--input", temp.Write("runs.csv", string.Join('\n', lines) + "\n"));

    private static void AssertOneLine(CliResult r, string message)
    {
        r.AssertUserError(message);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("N,loss", "runs.csv line 1: no column 'D' in the header (it needs N, D and loss; C is optional)")]
    [InlineData("N,D,loss,lr,seed", "runs.csv line 1: unknown columns 'lr', 'seed' (the columns are N, D, loss and optionally C)")]
    [InlineData("N,D,loss,n", "runs.csv line 1: column 'N' appears twice in the header")]
    public void Header_problems_name_the_columns(string header, string message)
    {
        using var temp = new TempFolder();
        AssertOneLine(Fit(temp, header, Good, Good, Good, Good, Good), message);
    }

    [Theory]
    [InlineData("1e8,abc,3.5", "runs.csv line 4: D 'abc' is not a number")]
    [InlineData("1e8,2e9", "runs.csv line 4: expected 3 values as in the header, found 2")]
    [InlineData("1e8,2e9,NaN", "runs.csv line 4: loss 'NaN' is not a number")]
    [InlineData("1e8,2e9,-2.5", "runs.csv line 4: loss must be positive, got -2.5")]
    [InlineData("0,2e9,3.5", "runs.csv line 4: N must be positive, got 0")]
    [InlineData("1e8,\"2e9,3.5", "runs.csv line 4:")] // an unterminated quote: the CSV reader's message, with its line
    public void Bad_lines_are_named_by_their_line(string badLine, string message)
    {
        using var temp = new TempFolder();
        AssertOneLine(Fit(temp, Header, Good, Good, badLine, Good, Good), message);
    }

    [Fact]
    public void A_non_positive_compute_is_named_by_its_line()
    {
        using var temp = new TempFolder();
        AssertOneLine(Fit(temp, "C,N,D,loss", "6e17," + Good, "6e17," + Good, "-1," + Good), "runs.csv line 4: C must be positive, got -1");
    }

    [Fact]
    public void Too_few_runs_are_an_error_naming_the_file()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "runs.csv");
        AssertOneLine(Fit(temp, Header, Good, Good, Good), $"{path}: 3 runs, but approach 3 needs at least 5 (one per parameter)");
        AssertOneLine(Fit(temp, Header), $"{path}: 0 runs, but approach 3 needs at least 5");
        var r = CliResult.Run("scaling", "fit", "--input", path, "--approach", "2");
        AssertOneLine(r, $"{path}: 0 runs, but approach 2 needs at least 6");
    }

    [Fact]
    public void Approach_2_refusals_name_the_file_and_the_budget()
    {
        using var temp = new TempFolder();
        // Six runs of one budget (6ND = 1.2e18 for all of them): no second budget to draw a line through.
        string[] oneBudget = ["1e8,2e9,3.5", "2e8,1e9,3.4", "4e8,5e8,3.6", "1e8,2e9,3.5", "2e8,1e9,3.45", "4e8,5e8,3.55"];
        string runs = temp.Write("runs.csv", string.Join('\n', [Header, .. oneBudget]) + "\n");
        AssertOneLine(CliResult.Run("scaling", "fit", "--input", runs, "--approach", "2"),
            $"{runs}: an IsoFLOP fit needs at least 2 compute budgets, found 1 (C = 1.2E+18)");
    }

    [Fact]
    public void Missing_or_unreadable_files_are_reported()
    {
        AssertOneLine(CliResult.Run("scaling", "fit", "--input", "/nonexistent/runs.csv"), "cannot read '/nonexistent/runs.csv': no such file");
        using var temp = new TempFolder();
        AssertOneLine(CliResult.Run("scaling", "fit", "--input", temp.Path), "it is a directory");
        AssertOneLine(CliResult.Run("scaling", "fit", "--input", temp.Write("empty.csv", "")), "the file is empty");
        AssertOneLine(CliResult.Run("scaling", "plan", "--flops", "1e21", "--fit", "/nonexistent/fit.json"), "cannot read '/nonexistent/fit.json': no such file");
    }

    [Theory]
    [InlineData("{\"E\":1.7,\"A\":400", "fit.json: malformed fit file: not valid JSON")]
    [InlineData("[1, 2]", "fit.json: malformed fit file: expected a JSON object")]
    [InlineData("{\"E\":1.7,\"A\":400,\"B\":400,\"beta\":0.3}", "fit.json: malformed fit file: missing \"alpha\"")]
    [InlineData("{\"E\":1.7,\"A\":400,\"B\":400,\"alpha\":\"0.3\",\"beta\":0.3}", "fit.json: malformed fit file: \"alpha\" must be a number")]
    [InlineData("{\"E\":1.7,\"A\":-400,\"B\":400,\"alpha\":0.3,\"beta\":0.3}", "fit.json: malformed fit file: \"A\" must be positive, got -400")]
    [InlineData("{\"budgets\":[],\"a\":0.5,\"b\":0.5,\"points\":9}", "fit.json: holds an Approach 2 fit")]
    public void Malformed_fit_files_are_reported(string content, string message)
    {
        using var temp = new TempFolder();
        AssertOneLine(CliResult.Run("scaling", "plan", "--flops", "1e21", "--fit", temp.Write("fit.json", content)), message);
    }

    [Theory]
    [InlineData(new[] { "scaling" }, "llmlab scaling: no subcommand given: fit or plan")]
    [InlineData(new[] { "scaling", "predict" }, "llmlab scaling: unknown subcommand 'predict' (choose fit or plan)")]
    [InlineData(new[] { "scaling", "fit", "--input", "runs.csv", "--bogus" }, "llmlab scaling: unknown option '--bogus'")]
    [InlineData(new[] { "scaling", "plan", "--flops", "1e21", "--input", "runs.csv" }, "llmlab scaling: unknown option '--input'")]
    [InlineData(new[] { "scaling", "fit" }, "llmlab scaling: no --input given")]
    [InlineData(new[] { "scaling", "fit", "--input", "runs.csv", "--approach", "1" }, "llmlab scaling: unknown approach '1' (choose 3 or 2)")]
    [InlineData(new[] { "scaling", "fit", "--input", "runs.csv", "--format", "csv" }, "llmlab scaling: unknown format 'csv' (choose table or json)")]
    [InlineData(new[] { "scaling", "plan" }, "llmlab scaling: no --flops given")]
    [InlineData(new[] { "scaling", "plan", "--flops", "lots" }, "llmlab scaling: option '--flops' needs a number, got 'lots'")]
    [InlineData(new[] { "scaling", "plan", "--flops", "-1e21" }, "llmlab scaling: option '--flops' must be positive, got -1e21")]
    public void Bad_arguments_are_one_line_then_the_usage(string[] args, string message)
    {
        var r = CliResult.Run(args);
        r.AssertUserError(message);
        var lines = r.Error.Split('\n');
        Assert.StartsWith(message, lines[0]);
        Assert.StartsWith("usage: llmlab scaling fit", lines[1]);
    }
}
