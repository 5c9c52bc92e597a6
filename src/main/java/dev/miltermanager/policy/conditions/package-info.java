/**
 * The built-in applicable conditions, under the C milter manager's names ({@code S25R}, {@code Remote Network},
 * {@code Authenticated}…): a {@link dev.miltermanager.policy.ConditionProvider} per family, found through
 * {@link java.util.ServiceLoader}, and {@link dev.miltermanager.policy.conditions.Conditions}, static factories for
 * Java users.
 */
package dev.miltermanager.policy.conditions;
