/**
 * The test kit: cover a daemon's confinement policy with ordinary unit tests, without root and
 * without touching the machine.
 *
 * <ul>
 *   <li>{@link dev.confine.testing.FakeKernel}: an in-memory kernel that keeps the real rules
 *       (chroot and setuid(0) need capabilities, saved-id semantics, capabilities cleared on
 *       leaving uid 0, descriptors, working directory, root) and fails any call on request.
 *   <li>{@link dev.confine.testing.PolicyAssertions}: plain assertions (they throw
 *       {@link java.lang.AssertionError}; no test framework is needed) on the plan, on the
 *       confined state, and on failing closed when any step fails.
 * </ul>
 */
package dev.confine.testing;
