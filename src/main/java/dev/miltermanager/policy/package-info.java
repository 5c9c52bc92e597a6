/**
 * Flexible application of child milters: the {@link dev.miltermanager.policy.ApplicabilityPolicy} SPI the manager
 * asks, per child and per event, whether the child is applied, and the read-only {@link
 * dev.miltermanager.policy.SessionView} a policy decides on.
 */
package dev.miltermanager.policy;
