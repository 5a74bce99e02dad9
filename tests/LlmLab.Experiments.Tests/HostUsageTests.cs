namespace LlmLab.Experiments.Tests;

/// <summary>Bad command lines and configurations: one line naming the problem, exit code 2, no stack trace, no run folder.</summary>
public sealed class HostUsageTests : IDisposable
{
    private readonly HostHarness _host = new();
    private readonly IReadOnlyList<ExperimentDefinition> _experiments = [TestExperiments.ToyTrain(), TestExperiments.Failing()];

    public void Dispose() => _host.Dispose();

    private string Fails(params string[] args)
    {
        var (code, output) = _host.Run(_experiments, args);
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.DoesNotContain("   at ", output); // no stack trace
        Assert.False(Directory.Exists(_host.Runs) && Directory.EnumerateFiles(_host.Runs, "run.json", SearchOption.AllDirectories).Any(),
            "a usage error must not start a run");
        return output;
    }

    [Fact]
    public void UnknownCommandSuggestsTheClosest() =>
        Assert.Contains("unknown command 'lsit'; did you mean 'list'?", Fails("lsit"));

    [Fact]
    public void UnknownExperimentSuggestsTheClosest() =>
        Assert.Contains("unknown experiment 'toy-trian'; did you mean 'toy-train'?", Fails("run", "toy-trian"));

    [Fact]
    public void UnknownOptionSuggestsTheClosest() =>
        Assert.Contains("unknown option '--seeed'; did you mean '--seed'?", Fails("run", "toy-train", "--seeed", "3"));

    [Fact]
    public void OptionOfAnotherCommandIsUnknown() =>
        Assert.Contains("unknown option '--grid'", Fails("run", "toy-train", "--grid", "Steps=1,2"));

    [Fact]
    public void SetWithoutEqualsSignIsRejected() =>
        Assert.Contains("--set expects KEY=VALUE, got 'Steps'", Fails("run", "toy-train", "--set", "Steps"));

    [Fact]
    public void UnknownParameterKeySuggestsTheClosest() =>
        Assert.Contains("did you mean 'Steps'?", Fails("run", "toy-train", "--set", "Stepz=3"));

    [Fact]
    public void OutOfRangeValueIsRejected() =>
        Assert.Contains("Steps: 0 is below the minimum 1", Fails("run", "toy-train", "--set", "Steps=0"));

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public void BadSeedIsRejected(string seed) =>
        Assert.Contains($"--seed expects a whole number", Fails("run", "toy-train", "--seed", seed));

    [Fact]
    public void BadBackendNameIsRejectedWithSuggestion() =>
        Assert.Contains("unknown backend 'cpuu'", Fails("run", "toy-train", "--backend", "cpuu"));

    [Fact]
    public void UnknownProfileIsRejected() =>
        Assert.Contains("has no profile 'fast'; it has quick, slow", Fails("run", "toy-train", "--profile", "fast"));

    [Fact]
    public void OptionGivenTwiceIsRejected() =>
        Assert.Contains("--seed is given twice", Fails("run", "toy-train", "--seed", "1", "--seed", "2"));

    [Fact]
    public void MissingOptionValueIsRejected() =>
        Assert.Contains("--profile needs a value", Fails("run", "toy-train", "--profile"));

    [Fact]
    public void AnOptionIsNotTheValueOfTheOneBefore() =>
        Assert.Contains("run: --profile needs a value (NAME)", Fails("run", "toy-train", "--profile", "--seed", "3"));

    [Theory]
    [InlineData("-x", "run: unknown option '-x' (options start with '--')")]
    [InlineData("--", "run: unexpected argument '--'")]
    public void SingleDashWordsAreRejected(string arg, string message) =>
        Assert.Contains(message, Fails("run", "toy-train", arg));

    [Fact]
    public void CommandWithoutOptionsSaysSo() =>
        Assert.Contains("list takes no options; '--seed=3' is not one", Fails("list", "--seed=3"));

    [Fact]
    public void DescribeNeedsAName() => Assert.Contains("describe: expected NAME", Fails("describe"));

    [Fact]
    public void ResumeTakesNoOtherOptions() =>
        Assert.Contains("run --resume takes the run folder only", Fails("run", "--resume", _host.Root, "--seed", "3"));

    [Fact]
    public void ResumeOfAFolderThatIsNotARunIsRejected() =>
        Assert.Contains("is not a run folder", Fails("run", "--resume", _host.Root));

    [Fact]
    public void NoArgumentsWithoutADefaultExperimentIsAUsageError()
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain(isDefault: false), TestExperiments.Failing()]);
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("no default experiment", output);
    }

    [Fact]
    public void HelpPrintsUsageAndSucceeds()
    {
        var (code, output) = _host.Run(_experiments, "--help");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("usage:", output);
        Assert.Contains("sweep", output);

        (code, output) = _host.Run(_experiments, "run", "-h");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("--resume RUNDIR", output);
    }

    [Fact]
    public void ListShowsEveryExperiment()
    {
        var (code, output) = _host.Run(_experiments, "list");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("toy-train (default)", output);
        Assert.Contains("failing", output);
    }

    [Fact]
    public void DescribeShowsParametersAndProfiles()
    {
        var (code, output) = _host.Run(_experiments, "describe", "toy-train");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("LearningRate", output);
        Assert.Contains("0 to 10", output);
        Assert.Contains("sgd, adam", output);
        Assert.Contains("steps=12, learning_rate=0.05", output);
    }

    [Fact]
    public void ValidateReportsEveryFailureWithExitCode2()
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain(), TestExperiments.Broken()], "validate");
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("invalid: broken (--profile quick): experiment 'broken' has no parameter 'Stepz'; did you mean 'Steps'?", output);
        Assert.Contains("1 problem found", output);
    }

    [Fact]
    public void ValidatePassesWhenEveryProfileBinds()
    {
        var (code, output) = _host.Run(_experiments, "validate");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("ok: every experiment (2) binds", output);
    }
}
