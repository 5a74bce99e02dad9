using LlmLab.Training;
using static LlmLab.Experiments.RlhfRecipe;

namespace LlmLab.Experiments;

/// <summary>The rlhf recipe's report: the reward model's accuracy; the policies before and after alignment with
/// sentences computed from them (PPO, reward hacking without its KL penalty, DPO); PPO's score and KL over its
/// rollouts and DPO's implicit-reward margin over its steps; a few summaries side by side.</summary>
internal static class RlhfReport
{
    public static void Write(ExperimentContext context, RlhfConfig config, int stepsPerRollout, RewardAccuracy reward, PolicyScores[] policies)
    {
        context.Table("reward model: held-out pair accuracy", ["pairs", "accuracy"],
            [["all", reward.All], ["rude rejected", reward.Rude], ["wrong fact rejected", reward.WrongSlot]],
            FormattableString.Invariant(
                $"The reward model ranks the chosen summary above the rejected one in {Percent(reward.All)} of {config.TestPairs} held-out pairs: {Percent(reward.Rude)} when the rejected one is rude, {Percent(reward.WrongSlot)} when it states a fact the dialogue does not.")
            + (reward.All >= 0.9 ? "" : " Below 90%: a policy optimised against it learns its blind spots too."));
        context.Summary("reward model accuracy", reward.All);

        var sft = policies[0];
        context.Table("policies before and after alignment",
            ["policy", "rude summaries", "invented facts", "mean reward", "KL to the SFT model", "distinct-2", "words", "ROUGE-L", "implicit reward prefers chosen"],
            policies.Select(p => (IReadOnlyList<object?>)[p.Label, p.RudeRate, p.InventedRate, p.MeanReward, p.Kl, p.Distinct2, p.MeanWords, p.RougeL, p.PreferredRate]),
            string.Join(" ", policies.Skip(1).Select(p => Sentence(config, sft, p, policies))));
        foreach (var p in policies)
        {
            string key = p.Label.Replace(" (SFT)", "", StringComparison.Ordinal).ToLowerInvariant();
            context.Summary($"{key} rude rate", p.RudeRate);
            context.Summary($"{key} mean reward", p.MeanReward);
            context.Summary($"{key} KL", p.Kl);
            context.Summary($"{key} distinct-2", p.Distinct2);
            context.Summary($"{key} prefers chosen", p.PreferredRate);
        }

        // From metrics.jsonl, which holds the whole run however often it resumed.
        var metrics = MetricsLog.Read(context.MetricsFile).ToDictionary(m => m.Name);
        // A rollout's figures stand on each of its steps; its first step gives the rollout's point.
        PlotSeries? PerRollout(string name, string label)
        {
            if (!metrics.TryGetValue(name, out var m)) return null;
            var first = m.Points.Where(p => (p.Step - 1) % stepsPerRollout == 0).ToArray();
            return new PlotSeries(label, [.. first.Select(p => (double)((p.Step - 1) / stepsPerRollout + 1))], [.. first.Select(p => p.Value)]);
        }
        PlotSeries?[] scores = [PerRollout("ppo_score", "score, with the KL penalty"), PerRollout("ppo-no-kl_score", "score, without it")];
        if (scores[0] is not null)
        {
            context.Plot("ppo-reward", "PPO: the reward model's mean score per rollout", "rollout", "mean score", [.. scores.OfType<PlotSeries>()]);
            PlotSeries?[] kl = [PerRollout("ppo_kl", "KL, with the penalty"), PerRollout("ppo-no-kl_kl", "KL, without it")];
            context.Plot("ppo-kl", "PPO: KL to the SFT model per rollout (summed over a response)", "rollout", "KL (nats)", [.. kl.OfType<PlotSeries>()]);
        }
        if (metrics.TryGetValue("dpo_margin", out var margin) && metrics.TryGetValue("dpo_accuracy", out var accuracy))
            context.Plot("dpo-margins", "DPO: implicit reward of the chosen minus the rejected completion", "step", "margin (β log-ratio)",
                [Series("margin", margin), Series("pair accuracy", accuracy)]);

        int shown = Math.Min(3, sft.Summaries.Count);
        context.Table("summaries of the same held-out dialogues", ["dialogue", .. policies.Select(p => p.Label)],
            Enumerable.Range(0, shown).Select(i => (IReadOnlyList<object?>)[$"#{i + 1}", .. policies.Select(p => (object?)p.Summaries[i])]));
    }

    private static string Sentence(RlhfConfig config, PolicyScores sft, PolicyScores p, PolicyScores[] all) => p.Label switch
    {
        "PPO" => FormattableString.Invariant(
            $"PPO ({config.PpoRollouts} rollouts of {config.RolloutSize}, KL coefficient {config.KlCoefficient}) raises the reward model's mean score on held-out dialogues from {sft.MeanReward:F2} to {p.MeanReward:F2} and takes rude summaries from {Percent(sft.RudeRate)} to {Percent(p.RudeRate)}, at a KL of {p.Kl:F1} nats to the SFT model (distinct-2 {sft.Distinct2:F2} to {p.Distinct2:F2}).")
            + (p.MeanReward > sft.MeanReward ? "" : " The score did not rise: PPO did not learn here."),
        "PPO without KL" => all.FirstOrDefault(x => x.Label == "PPO") is { } withKl
            ? FormattableString.Invariant(
                $"Without the KL penalty the score reaches {p.MeanReward:F2} at a KL of {p.Kl:F1} nats, {p.Kl / Math.Max(withKl.Kl, 1e-9):F1} times the penalised run's; distinct-2 goes to {p.Distinct2:F2} (penalised: {withKl.Distinct2:F2}), the summaries to {p.MeanWords:F1} words ({withKl.MeanWords:F1}) and ROUGE-L to {p.RougeL:F3} ({withKl.RougeL:F3})")
              + (p.Kl > 2 * withKl.Kl && (p.Distinct2 < withKl.Distinct2 || p.MeanWords < 0.75 * withKl.MeanWords) && p.RougeL < withKl.RougeL
                  ? ": the policy games the reward model with text it never learned to judge, degenerate summaries it scores high (reward hacking), which the penalty prevents."
                  : ": no clear reward hacking at this budget.")
            : "",
        "PPO on LoRA" => FormattableString.Invariant(
            $"PPO on a rank-8 LoRA adapter, the policy with its adapter off as the reference (no second copy of the weights), reaches a mean score of {p.MeanReward:F2} with rude summaries at {Percent(p.RudeRate)} and a KL of {p.Kl:F1} nats."),
        "DPO" => FormattableString.Invariant(
            $"DPO ({config.DpoSteps} steps, β {config.Beta}), with no reward model in the loop, takes rude summaries from {Percent(sft.RudeRate)} to {Percent(p.RudeRate)} and invented facts from {Percent(sft.InventedRate)} to {Percent(p.InventedRate)}; its implicit reward prefers the chosen completion of {Percent(p.PreferredRate)} of held-out pairs (the SFT model: {Percent(sft.PreferredRate)}, a tie), at a KL of {p.Kl:F1} nats.")
            + (p.PreferredRate > sft.PreferredRate ? "" : " It did not learn the preference here."),
        _ => "",
    };

    private static PlotSeries Series(string label, MetricSeries m) => new(label, [.. m.Points.Select(p => (double)p.Step)], [.. m.Points.Select(p => p.Value)]);
}
