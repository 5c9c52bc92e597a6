/**
 * The built-in applicability conditions, with the C milter manager's names and parameters, found by the
 * {@link dev.miltermanager.policy.ConditionCatalog} through {@link java.util.ServiceLoader}.
 */
package dev.miltermanager.policy.conditions;
