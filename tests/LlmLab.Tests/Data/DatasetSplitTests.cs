using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class DatasetSplitTests
{
    private static List<string> Ids(int n) => Enumerable.Range(0, n).Select(i => $"item-{i}").ToList();

    [Fact]
    public void Parts_are_disjoint_cover_everything_and_keep_input_order()
    {
        var ids = Ids(5000);
        var split = DatasetSplit.Split(ids, id => id, seed: 1);
        var all = split.Train.Concat(split.Validation).Concat(split.Test).ToList();
        Assert.Equal(ids.Count, all.Count);
        Assert.Equal(ids.ToHashSet(), all.ToHashSet());
        Assert.Empty(split.Train.Intersect(split.Validation));
        Assert.Empty(split.Train.Intersect(split.Test));
        Assert.Empty(split.Validation.Intersect(split.Test));
        Assert.Equal(split.Train.OrderBy(id => ids.IndexOf(id)), split.Train);
    }

    [Fact]
    public void Fractions_are_met_within_five_sigma()
    {
        const int n = 20_000;
        var split = DatasetSplit.Split(Ids(n), id => id, seed: 2, trainFraction: 0.8, validationFraction: 0.1);
        // Binomial standard deviations: 56.6 for 0.8, 42.4 for 0.1.
        Assert.InRange(split.Train.Count, 16_000 - 283, 16_000 + 283);
        Assert.InRange(split.Validation.Count, 2_000 - 212, 2_000 + 212);
        Assert.InRange(split.Test.Count, 2_000 - 212, 2_000 + 212);
    }

    [Fact]
    public void Split_is_deterministic_and_independent_of_dataset_size_and_order()
    {
        var small = DatasetSplit.Split(Ids(100), id => id, seed: 3);
        var large = DatasetSplit.Split(Enumerable.Reverse(Ids(3000)), id => id, seed: 3);
        Assert.Equal(small, DatasetSplit.Split(Ids(100), id => id, seed: 3), new SplitComparer());
        Assert.All(small.Train, id => Assert.Contains(id, large.Train));
        Assert.All(small.Validation, id => Assert.Contains(id, large.Validation));
        Assert.All(small.Test, id => Assert.Contains(id, large.Test));
        Assert.Equal(DatasetPart.Train, small.Train.Select(id => DatasetSplit.PartOf(id, 3)).Distinct().Single());
    }

    [Fact]
    public void Different_seeds_give_different_splits()
    {
        var a = DatasetSplit.Split(Ids(1000), id => id, seed: 4);
        var b = DatasetSplit.Split(Ids(1000), id => id, seed: 5);
        Assert.NotEqual(a.Test, b.Test);
    }

    [Fact]
    public void Works_on_generated_examples_and_with_an_empty_part()
    {
        var examples = DialogueSummaryGenerator.Generate(1, 200).ToList();
        var split = DatasetSplit.Split(examples, e => e.Id, seed: 6, trainFraction: 0.9, validationFraction: 0);
        Assert.Empty(split.Validation);
        Assert.Equal(200, split.Train.Count + split.Test.Count);
    }

    [Fact]
    public void Duplicate_ids_and_bad_fractions_are_rejected()
    {
        var duplicate = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(["a", "b", "a"], id => id, seed: 1));
        Assert.Contains("duplicate id 'a'", duplicate.Message);
        var fractions = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(["a"], id => id, seed: 1, trainFraction: 0.8, validationFraction: 0.3));
        Assert.Contains("train 0.8 and validation 0.3", fractions.Message);
        Assert.Throws<ArgumentException>(() => DatasetSplit.PartOf("a", 1, trainFraction: -0.1));
    }

    private sealed class SplitComparer : IEqualityComparer<DatasetSplits<string>?>
    {
        public bool Equals(DatasetSplits<string>? x, DatasetSplits<string>? y) =>
            x is not null && y is not null && x.Train.SequenceEqual(y.Train) && x.Validation.SequenceEqual(y.Validation) && x.Test.SequenceEqual(y.Test);
        public int GetHashCode(DatasetSplits<string>? obj) => 0;
    }
}
