namespace LlmLab.Generators;

/// <summary>The named pipeline steps, so that tests can check each one is cached when nothing it reads changed.</summary>
internal static class TrackingNames
{
    public const string Environment = nameof(Environment);
    public const string ExperimentClasses = nameof(ExperimentClasses);
    public const string SourceRecipes = nameof(SourceRecipes);
    public const string ReferencedRecipes = nameof(ReferencedRecipes);
    public const string Recipes = nameof(Recipes);
    public const string YamlFiles = nameof(YamlFiles);
    public const string YamlExperiments = nameof(YamlExperiments);
    public const string Experiments = nameof(Experiments);
    public const string UserEntryPoint = nameof(UserEntryPoint);

    public static readonly string[] All =
    {
        Environment, ExperimentClasses, SourceRecipes, ReferencedRecipes, Recipes, YamlFiles, YamlExperiments, Experiments, UserEntryPoint,
    };
}
