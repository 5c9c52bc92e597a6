/**
 * Test fixtures shipped in the main jar, so that users test their milters and milter chains from any test
 * framework: {@link dev.miltermanager.testing.FakeMilter}, a scriptable child milter that speaks the protocol
 * itself (and can break it on purpose), with {@link dev.miltermanager.testing.FakeReply} for what it answers and
 * {@link dev.miltermanager.testing.FakeSession} for what it received.
 *
 * <p>The style is OkHttp MockWebServer's: script, run, verify. Nothing here depends on a test framework;
 * failed waits and checks throw plain {@link java.lang.AssertionError}s whose messages carry a transcript of
 * the conversation. Real sockets on loopback (port 0) or Unix-domain sockets; one virtual thread per connection.
 */
package dev.miltermanager.testing;
