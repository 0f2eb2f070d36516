/// Placeholder: the client library lands in the next commits.
public enum ContactClientPlaceholder {}
