/**
 * confine's test kit: {@code dev.confine.testing} ({@code FakeKernel}, {@code PolicyAssertions})
 * for a daemon's own policy tests, added with test scope. The simulated kernel behind it
 * ({@code dev.confine.testing.simulation}) is not exported; it reaches confine-core's internals
 * through the export confine-core makes to this module alone.
 */
module dev.confine.testing {
  requires transitive dev.confine;

  exports dev.confine.testing;
}
