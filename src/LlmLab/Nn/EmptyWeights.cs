namespace LlmLab.Nn;

/// <summary>
/// A scope in which new <see cref="Linear"/> and <see cref="Embedding"/> weights are deferred zeros instead of random
/// draws (accelerate's init_empty_weights): a model built to be filled from a checkpoint costs no draws, and a weight
/// the checkpoint stores quantised never gets an f32 tensor. The scope follows the async flow that opened it.
/// </summary>
public static class EmptyWeights
{
    private static readonly AsyncLocal<int> Depth = new();

    /// <summary>Whether weights made now are deferred.</summary>
    public static bool Active => Depth.Value > 0;

    /// <summary>Defers the weights of every module built until the returned scope is disposed.</summary>
    public static IDisposable Scope()
    {
        Depth.Value++;
        return new Exit();
    }

    private sealed class Exit : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            Depth.Value--;
        }
    }
}
