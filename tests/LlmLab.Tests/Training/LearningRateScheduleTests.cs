using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>nanoGPT's get_lr at known steps (warm-up start and end, mid-cosine, end of decay, after it): exact float values, or 1e-10 absolute (3e-7 relative) where the cosine is compared with a double formula.</summary>
public class LearningRateScheduleTests
{
    private static readonly LearningRateSchedule Schedule = LearningRateSchedule.WarmupCosine(6e-4f, 10, 110, 6e-5f);

    [Fact]
    public void Warm_up_rises_linearly_to_the_maximum()
    {
        Assert.Equal((float)(6e-4f * 1.0 / 11), Schedule.At(0));
        Assert.Equal((float)(6e-4f * 5.0 / 11), Schedule.At(4));
        Assert.Equal((float)(6e-4f * 10.0 / 11), Schedule.At(9));
        Assert.Equal(6e-4f, Schedule.At(10)); // cosine at ratio 0: the maximum
    }

    [Fact]
    public void Cosine_halfway_is_the_mean_of_maximum_and_minimum_and_ends_at_the_minimum()
    {
        Assert.Equal((6e-4 + 6e-5) / 2, Schedule.At(60), 1e-10); // float rounding of the result and of 6e-4f, 6e-5f: ~3e-7 relative
        double quarter = 6e-5 + 0.5 * (1 + Math.Cos(Math.PI / 4)) * (6e-4 - 6e-5); // step 35 = a quarter of the way
        Assert.Equal(quarter, Schedule.At(35), 1e-10);
        Assert.Equal(6e-5f, Schedule.At(110));
        Assert.Equal(6e-5f, Schedule.At(111));
        Assert.Equal(6e-5f, Schedule.At(1_000_000));
        Assert.True(Schedule.At(59) > Schedule.At(60) && Schedule.At(60) > Schedule.At(61));
    }

    [Fact]
    public void Constant_is_constant_and_no_cosine_is_a_step_down()
    {
        var constant = LearningRateSchedule.Constant(3e-4f);
        Assert.Equal(3e-4f, constant.At(0));
        Assert.Equal(3e-4f, constant.At(123_456));
        var noCosine = LearningRateSchedule.WarmupCosine(1e-3f, 0, 0, 1e-4f);
        Assert.Equal(1e-3f, noCosine.At(0));
        Assert.Equal(1e-4f, noCosine.At(1));
    }

    [Fact]
    public void Bad_configurations_are_refused_with_the_values()
    {
        Assert.Contains("-1", Assert.Throws<ArgumentException>(() => LearningRateSchedule.WarmupCosine(1e-3f, -1, 10, 0f)).Message);
        Assert.Contains("decay steps (5)", Assert.Throws<ArgumentException>(() => LearningRateSchedule.WarmupCosine(1e-3f, 10, 5, 0f)).Message);
        Assert.Contains("exceeds", Assert.Throws<ArgumentException>(() => LearningRateSchedule.WarmupCosine(1e-3f, 1, 5, 1e-2f)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => LearningRateSchedule.Constant(float.NaN)).Message);
        Assert.Contains("-0.1", Assert.Throws<ArgumentException>(() => LearningRateSchedule.Constant(-0.1f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.At(-1));
    }
}
