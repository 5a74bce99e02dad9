using System.Text;
using LlmLab.Random;

namespace LlmLab.Data;

/// <summary>Which part of a data set an example belongs to.</summary>
public enum DatasetPart { Train, Validation, Test }

/// <summary>The three parts of a split, each in the input order.</summary>
public sealed record DatasetSplits<T>(IReadOnlyList<T> Train, IReadOnlyList<T> Validation, IReadOnlyList<T> Test);

/// <summary>
/// Deterministic train/validation/test split: an example's part is a function of (its id, the seed, the fractions)
/// alone, u = Philox(seed; FNV-1a-64(id), stream) in [0, 1) against the cumulative fractions, so it does not depend
/// on the data set's size or order, and adding examples never moves existing ones.
/// </summary>
public static class DatasetSplit
{
    public static DatasetSplits<T> Split<T>(IEnumerable<T> items, Func<T, string> id, ulong seed,
        double trainFraction = 0.8, double validationFraction = 0.1)
    {
        CheckFractions(trainFraction, validationFraction);
        List<T> train = [], validation = [], test = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            string key = id(item);
            if (!seen.Add(key)) throw new ArgumentException($"split: duplicate id '{key}' (ids must be unique)", nameof(items));
            var list = PartOf(key, seed, trainFraction, validationFraction) switch
            {
                DatasetPart.Train => train,
                DatasetPart.Validation => validation,
                _ => test,
            };
            list.Add(item);
        }
        return new DatasetSplits<T>(train, validation, test);
    }

    /// <summary>The part of the example with this id; the test fraction is 1 - train - validation.</summary>
    public static DatasetPart PartOf(string id, ulong seed, double trainFraction = 0.8, double validationFraction = 0.1)
    {
        CheckFractions(trainFraction, validationFraction);
        double u = Philox.Uniform(seed, Fnv1a64(id), 0, DataRandom.SplitStream);
        return u < trainFraction ? DatasetPart.Train
            : u < trainFraction + validationFraction ? DatasetPart.Validation
            : DatasetPart.Test;
    }

    private static void CheckFractions(double train, double validation)
    {
        if (!(train >= 0 && validation >= 0 && train + validation <= 1 + 1e-12))
            throw new ArgumentException(
                $"split: fractions must be non-negative with train + validation <= 1, got train {train} and validation {validation}");
    }

    /// <summary>FNV-1a over the id's UTF-8 bytes: a stable 64-bit key (string.GetHashCode is randomised per process).</summary>
    private static ulong Fnv1a64(string id)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(id))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
