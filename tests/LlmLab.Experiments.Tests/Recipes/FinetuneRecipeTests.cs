using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Peft;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The finetune recipe on a tiny untrained GPT (pre-training is the pretrain recipe's business and too slow here):
/// the summary batches, a quick full-vs-LoRA comparison and a YAML-style run from a saved base model.
/// </summary>
public sealed class FinetuneRecipeTests : IDisposable
{
    private static readonly IBackend Cpu = Backend.Create("cpu");
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private static readonly FinetuneConfig Quick = new()
    {
        Steps = 3, BatchSize = 2, TrainExamples = 24, TestExamples = 3, MaxNewTokens = 12, WarmupSteps = 1, LoraRank = 2,
        LearningRate = 1e-3, LoraLearningRate = 1e-2, TargetModules = "q_proj,v_proj",
    };

    // Characters of every dialogue the tests draw, with a context that fits most of them.
    private static TinyGpt TinyModel(ulong seed = 5)
    {
        var text = DialogueSummaryGenerator.Generate(1, 50).Concat(DialogueSummaryGenerator.Generate(1, 10, FinetuneData.TestStart))
            .Select(e => FinetuneData.Prompt(e.Dialogue) + e.Summary + "\n");
        var tokenizer = CharTokenizer.Build(text);
        var config = new GptConfig { VocabularySize = tokenizer.VocabularySize, Context = 512, Layers = 1, Heads = 2, Width = 16 };
        return new TinyGpt(new Gpt(Cpu, config, seed), tokenizer);
    }

    private ExperimentContext Context(string name, ulong seed = 1) =>
        new("finetune", seed, Cpu, Path.Combine(_host.Root, name), default);

    private ReportTable Table(string run, string title) =>
        Assert.Single(RunResults.Load(Path.Combine(_host.Root, run, "results.json")).Tables, t => t.Title == title);

    [Fact]
    public void Batches_learn_only_the_summary_and_pad_to_the_longest_row()
    {
        var model = TinyModel();
        var tokenizer = model.Tokenizer;
        var data = FinetuneData.Create(tokenizer, 512, Quick with { BatchSize = 3 }, seed: 1);
        int pad = tokenizer.SpecialTokens.Pad!.Value;

        using var batch = data.Train.Batch(Cpu, 4);
        var rows = data.Train.Rows(4);
        var inputs = batch.Inputs.ToArray<int>();
        var targets = batch.Targets.ToArray<long>();
        int time = batch.Inputs.Shape[1];
        var kept = DialogueSummaryGenerator.Generate(1, Quick.TrainExamples).Select(e => FinetuneData.Encode(tokenizer, e))
            .Where(p => p.Prompt.Length + p.Completion.Length - 1 <= 512).ToList();
        Assert.Equal(kept.Count, data.Train.Count);
        Assert.Equal(Quick.TrainExamples, data.Train.Count + data.TrainSkipped);
        Assert.Equal(rows.Max(r => kept[r].Prompt.Length + kept[r].Completion.Length - 1), time);

        for (int row = 0; row < rows.Length; row++)
        {
            var (prompt, completion) = kept[rows[row]];
            int length = prompt.Length + completion.Length - 1;
            var x = inputs.AsSpan(row * time, time);
            var y = targets.AsSpan(row * time, time);
            Assert.Equal(prompt, x[..prompt.Length].ToArray());
            Assert.Equal(completion[..^1], x[prompt.Length..length].ToArray());
            Assert.All(x[length..].ToArray(), t => Assert.Equal(pad, t));
            // The prompt predicts nothing until its last character, which predicts the summary's first.
            Assert.All(y[..(prompt.Length - 1)].ToArray(), t => Assert.Equal(-100, t));
            Assert.Equal(completion.Select(t => (long)t), y[(prompt.Length - 1)..length].ToArray());
            Assert.All(y[length..].ToArray(), t => Assert.Equal(-100, t));
            Assert.Equal("\n", tokenizer.Decode([(int)y[length - 1]]));
        }
        Assert.Equal(rows.Sum(r => kept[r].Prompt.Length + kept[r].Completion.Length - 1), batch.Tokens);

        // A batch is a function of its index: the same again, from a fresh source too; every pair once an epoch.
        var again = FinetuneData.Create(tokenizer, 512, Quick with { BatchSize = 3 }, seed: 1);
        using var same = again.Train.Batch(Cpu, 4);
        Assert.Equal(inputs, same.Inputs.ToArray<int>());
        Assert.Equal(targets, same.Targets.ToArray<long>());
        int count = data.Train.Count;
        var firstEpoch = Enumerable.Range(0, (count + 2) / 3).SelectMany(i => data.Train.Rows(i)).Take(count);
        Assert.Equal(Enumerable.Range(0, count), firstEpoch.Order());
        Assert.NotEqual(data.Train.Rows(0), FinetuneData.Create(tokenizer, 512, Quick with { BatchSize = 3 }, seed: 2).Train.Rows(0));

        // A short context leaves long dialogues out and says how many.
        var short_ = FinetuneData.Create(tokenizer, 420, Quick with { TestExamples = 10 }, seed: 1);
        Assert.True(short_.TrainSkipped > data.TrainSkipped);
        Assert.Equal(Quick.TrainExamples, short_.Train.Count + short_.TrainSkipped);
        Assert.Equal(10, short_.TestExamples.Count + short_.TestSkipped);
        var none = Assert.Throws<ExperimentConfigException>(() => FinetuneData.Create(tokenizer, 64, Quick, seed: 1));
        Assert.Contains("context of 64", none.Message);
    }

    [Fact]
    public void Compare_trains_full_and_lora_from_the_same_base_and_records_one_table()
    {
        var model = TinyModel();
        var before = model.Model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ToArray<float>());

        var result = FinetuneRecipe.Compare(model, Quick, Context("compare"));

        // The base is untouched; the two fine-tunings differ from it and from each other.
        foreach (var (name, p) in model.Model.NamedParameters()) Assert.Equal(before[name], p.Data.ToArray<float>());
        Assert.NotEqual(before["h.0.attn.q_proj.weight"], result.Lora.Model.Model.Blocks[0].Attention.Query.Weight.Data.ToArray<float>());
        Assert.Equal(before["h.0.attn.k_proj.weight"], result.Lora.Model.Model.Blocks[0].Attention.Key.Weight.Data.ToArray<float>());
        Assert.NotEqual(before["h.0.attn.k_proj.weight"], result.Full.Model.Model.Blocks[0].Attention.Key.Weight.Data.ToArray<float>());

        var gpt = model.Model;
        long all = gpt.ParameterCount();
        var attention = gpt.Blocks[0].Attention;
        long lora = Lora.TrainableParameterCount([attention.Query, attention.Value], Quick.LoraRank);
        Assert.Equal(Quick.LoraRank * 2 * (16 + 16), lora);
        Assert.Equal((all, all), (result.Full.TrainableParameters, result.Full.AllParameters));
        Assert.Equal((lora, all + lora), (result.Lora.TrainableParameters, result.Lora.AllParameters));

        var table = Table("compare", "finetune: base vs fine-tuned");
        Assert.Equal(["method", "trainable parameters", "% of all", "final train loss", "test loss", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "train_time"], table.Columns);
        Assert.Equal(["base", "full", "lora"], table.Rows.Select(r => r[0].Text));
        Assert.Equal([0, all, lora], table.Rows.Select(r => r[1].Number));
        Assert.Equal(100.0 * lora / (all + lora), table.Rows[2][2].Number, 12);
        Assert.Equal("-", table.Rows[0][3].Text);
        Assert.All(table.Rows.Skip(1), r => Assert.Equal(ReportCellKind.Duration, r[9].Kind));
        Assert.Equal(result.Lora.Rouge.RougeL.F1, table.Rows[2][7].Number);
        Assert.Contains($"LoRA (rank {Quick.LoraRank} on q_proj,v_proj) trains {lora}", table.Sentence);
        Assert.Equal(3, result.Base.Summaries.Count);
        Assert.True(Directory.Exists(Path.Combine(_host.Root, "compare", "lora-model")));
        Assert.Equal(["reference", "base", "full", "lora"], Table("compare", "finetune: test dialogue 1").Rows.Select(r => r[0].Text));
        Assert.Equal(3, Enumerable.Range(1, 3).Count(i => RunResults.Load(Path.Combine(_host.Root, "compare", "results.json")).Tables.Any(t => t.Title == $"finetune: test dialogue {i}")));

        // Faithfulness: the reference's facts pooled over the test dialogues, and each model's counts as its summaries give them.
        var facts = Table("compare", "finetune: facts stated and invented");
        var tests = DialogueSummaryGenerator.Generate(1, Quick.TestExamples, FinetuneData.TestStart).ToList();
        Assert.Equal(["base", "full", "lora"], facts.Rows.Select(r => r[0].Text));
        Assert.All(facts.Rows, r => Assert.Equal(tests.Sum(e => e.SummarySlots.Count), r[1].Number));
        foreach (var (row, r) in facts.Rows.Zip([result.Base, result.Full, result.Lora]))
        {
            var counted = r.Summaries.Zip(tests, SummaryFaithfulness.Of).Aggregate(SummaryFaithfulness.None, (a, b) => a + b);
            Assert.Equal(counted, r.Faithfulness);
            Assert.Equal((counted.Correct, counted.Stated, counted.Invented), ((int)row[2].Number, (int)row[4].Number, (int)row[5].Number));
        }
        Assert.StartsWith($"Of the {facts.Rows[0][1]} names, places, days, times and amounts", facts.Sentence);

        // The validation losses of both fine-tunings on one chart.
        var plot = Assert.Single(RunResults.Load(Path.Combine(_host.Root, "compare", "results.json")).Plots, p => p.Name == "validation-loss");
        Assert.Equal(["full fine-tuning", "LoRA"], plot.Series.Select(s => s.Label));
    }

    [Fact]
    public void Faithfulness_counts_the_reference_facts_stated_and_the_values_invented()
    {
        var example = new DialogueExample("x", "#Person1#: A table for four at Luigi's on Friday at 7 pm.\n#Person2#: Your name?\n#Person1#: Anna.",
            "#Person1# books a table for four at Luigi's on Friday at 7 pm under Anna.", "booking a table");
        Assert.Equal(new SummaryFaithfulness(5, 5, 5, 0), SummaryFaithfulness.Of(example.Summary, example));
        // Friday and Luigi's right; 8 pm and Ben are in no line of the dialogue; "four" and "Anna" left out.
        var wrong = SummaryFaithfulness.Of("#Person1# books a table at Luigi's on Friday at 8 pm under Ben.", example);
        Assert.Equal(new SummaryFaithfulness(5, 2, 4, 2), wrong);
        Assert.Equal(0.4, wrong.CorrectShare, 12);
        Assert.Equal(0.5, wrong.InventedShare, 12);
        Assert.Equal((1.0, 0.0), (SummaryFaithfulness.None.CorrectShare, SummaryFaithfulness.None.InventedShare));
    }

    [Fact]
    public void With_bpe_a_prompt_and_its_completion_encode_as_the_whole_text_does()
    {
        // The cut after "Summary:" falls on a token boundary, so the model sees what pre-training showed it.
        string folder = Path.Combine(_host.Root, "bpe");
        var tokenizer = CorpusTokenizer.Build(TokenizerKind.Bpe, 2048, string.Join("\n\n", PretrainingCorpus.Generate(1, 4000)), folder);
        foreach (var example in DialogueSummaryGenerator.Generate(1, 30, FinetuneData.TestStart))
        {
            var (prompt, completion) = FinetuneData.Encode(tokenizer, example);
            Assert.Equal(tokenizer.Encode(FinetuneData.Prompt(example.Dialogue) + " " + example.Summary + "\n"), prompt.Concat(completion).ToArray());
            Assert.Equal(tokenizer.Encode("Summary:"), prompt[^1..]);
        }
        // The recipes' defaults (2048 tokens, context 192) fit nearly every dialogue with its summary.
        var data = FinetuneData.Create(tokenizer, 192, Quick with { TrainExamples = 500 }, seed: 1);
        Assert.True(data.TrainSkipped <= 5, $"{data.TrainSkipped} of 500 dialogues do not fit 192 BPE tokens");
    }

    [Fact]
    public void A_yaml_style_run_fine_tunes_a_saved_model_with_lora_only()
    {
        string folder = Path.Combine(_host.Root, "base");
        TinyModel().Save(folder);
        var config = Quick with { BaseModel = folder, Method = FinetuneMethod.Lora, TargetModules = "*.mlp.*" };

        FinetuneRecipe.Run(config, Context("run"));

        var table = Table("run", "finetune: base vs fine-tuned");
        Assert.Equal(["base", "lora"], table.Rows.Select(r => r[0].Text));
        Assert.Equal(Quick.LoraRank * (16 + 64 + 64 + 16), table.Rows[1][1].Number);
        var tuned = TinyGpt.Load(Cpu, Path.Combine(_host.Root, "run", "lora-model"));
        Assert.DoesNotContain(tuned.Model.NamedParameters(), p => p.Name.Contains("lora_"));
        Assert.False(Directory.Exists(Path.Combine(_host.Root, "run", "full-model")));

        var wrong = Assert.Throws<ExperimentConfigException>(() => FinetuneRecipe.Run(config with { TargetModules = "query" }, Context("wrong")));
        Assert.Contains("q_proj, k_proj, v_proj, o_proj, c_fc, c_proj", wrong.Message);
    }
}
