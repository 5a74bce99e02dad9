namespace LlmLab.Data;

/// <summary>
/// One preference pair in trl's standard format: the model sees <see cref="Prompt"/> followed directly by a
/// completion, <see cref="Chosen"/> the preferred one and <see cref="Rejected"/> the other. <see cref="Flaw"/> says
/// what is wrong with the rejected one (<see cref="PreferenceFlaw"/>; "" when unknown, as in a user's file).
/// <see cref="PreferenceGenerator"/> makes them; <see cref="PreferenceFiles.Save"/> writes them and
/// <see cref="JsonlLoader.LoadPreferences"/> reads them.
/// </summary>
public sealed record PreferenceExample(string Id, string Prompt, string Chosen, string Rejected, string Flaw);
