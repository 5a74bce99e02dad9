using LlmLab.Data;
using LlmLab.Prompting;

namespace LlmLab.Tests.Prompting;

/// <summary>The few-shot context's exact layout and the shot draw: seeded, never the item itself, same task and template.</summary>
public class FewShotTests
{
    private static InstructionExample Item(string id, string input, string target, string task = "capitals", string template = "t1") =>
        new(id, task, template, input, target, [], InstructionMetric.ExactMatch);

    private static readonly InstructionExample France = Item("fr", "Q: capital of France?\nA:", "Paris");
    private static readonly InstructionExample Japan = Item("jp", "Q: capital of Japan?\nA:", "Tokyo");
    private static readonly InstructionExample Peru = Item("pe", "Q: capital of Peru?\nA:", "Lima");

    private static readonly FewShotOptions WithDescription = new() { Description = "Answer with a city.\n\n" };

    [Fact]
    public void The_context_is_description_then_shots_then_the_input()
    {
        Assert.Equal("Answer with a city.\n\nQ: capital of France?\nA:", FewShotContext.Build(France, [], WithDescription));
        Assert.Equal("Answer with a city.\n\nQ: capital of Japan?\nA: Tokyo\n\nQ: capital of France?\nA:",
            FewShotContext.Build(France, [Japan], WithDescription));
        Assert.Equal("Answer with a city.\n\nQ: capital of Japan?\nA: Tokyo\n\nQ: capital of Peru?\nA: Lima\n\nQ: capital of France?\nA:",
            FewShotContext.Build(France, [Japan, Peru], WithDescription));
        Assert.Equal("Q: capital of Japan?\nA:=>Tokyo###Q: capital of France?\nA:",
            FewShotContext.Build(France, [Japan], new FewShotOptions { TargetDelimiter = "=>", FewshotDelimiter = "###" }));
        Assert.Equal(" Paris", FewShotContext.Continuation("Paris", new FewShotOptions()));
    }

    private static InstructionExample[] Pool()
    {
        var items = new List<InstructionExample>();
        for (int i = 0; i < 12; i++) items.Add(Item($"a{i:D2}", $"a {i}", $"{i}", "arithmetic", "plain"));
        for (int i = 0; i < 6; i++) items.Add(Item($"b{i:D2}", $"b {i}", $"{i}", "arithmetic", "verbose"));
        for (int i = 0; i < 5; i++) items.Add(Item($"c{i:D2}", $"c {i}", $"{i}", "capitals", "plain"));
        return [.. items];
    }

    [Fact]
    public void Shots_share_the_items_task_and_template_and_never_include_the_item()
    {
        var pool = Pool();
        var sampler = new FewShotSampler(pool);
        foreach (var item in pool)
            foreach (ulong seed in new ulong[] { 0, 1, 1234 })
            {
                var shots = sampler.Sample(item, 4, seed);
                Assert.Equal(4, shots.Count);
                Assert.DoesNotContain(shots, s => s.Id == item.Id);
                Assert.All(shots, s => Assert.True(s.Task == item.Task && s.Template == item.Template));
                Assert.Equal(shots.Count, shots.Select(s => s.Id).Distinct().Count());
            }
    }

    [Fact]
    public void The_same_seed_gives_the_same_shots_whatever_the_order_and_another_seed_others()
    {
        var pool = Pool();
        var sampler = new FewShotSampler(pool);
        var reversed = new FewShotSampler(pool.Reverse());
        var item = pool[3];
        var first = sampler.Sample(item, 5, 42).Select(s => s.Id).ToArray();
        Assert.Equal(first, sampler.Sample(item, 5, 42).Select(s => s.Id));
        Assert.Equal(first, reversed.Sample(item, 5, 42).Select(s => s.Id));
        // Fewer shots are the start of the same draw.
        Assert.Equal(first[..2], sampler.Sample(item, 2, 42).Select(s => s.Id));
        Assert.Contains(new ulong[] { 1, 2, 3, 4, 5 }, seed => !sampler.Sample(item, 5, seed).Select(s => s.Id).SequenceEqual(first));
        // Different items draw differently under one seed.
        Assert.Contains(pool[..12], other => other.Id != item.Id && !sampler.Sample(other, 5, 42).Select(s => s.Id).Order().SequenceEqual(first.Order()));
    }

    [Fact]
    public void A_short_pool_gives_what_it_has()
    {
        var pool = Pool();
        var sampler = new FewShotSampler(pool);
        var capital = pool.First(i => i.Task == "capitals");
        Assert.Equal(4, sampler.Available(capital));
        Assert.Equal(4, sampler.Sample(capital, 10, 1).Count);
        Assert.Empty(sampler.Sample(capital, 0, 1));
        Assert.Empty(new FewShotSampler([capital]).Sample(capital, 3, 1));
    }
}
