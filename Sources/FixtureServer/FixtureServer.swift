/// The loopback HTTP server every fetching exercise talks to (work in progress).
public enum FixtureServerPlaceholder {}
