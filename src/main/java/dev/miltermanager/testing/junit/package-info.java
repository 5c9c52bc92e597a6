/**
 * The test kit's JUnit 5 extension: {@link dev.miltermanager.testing.junit.MilterTest} on a test class or method
 * injects a {@link dev.miltermanager.testing.MilterKit}, an {@link dev.miltermanager.testing.MtaSimulator} or
 * started {@link dev.miltermanager.testing.FakeMilter}s, and closes everything after each test. Needs JUnit
 * Jupiter on the test class path; the rest of the jar does not.
 */
package dev.miltermanager.testing.junit;
