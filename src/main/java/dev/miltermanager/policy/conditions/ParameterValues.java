package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.util.Locale;

/** Parsing of the scalar values of condition parameters, each failure naming the parameter's origin. */
final class ParameterValues {
    private ParameterValues() {
    }

    /** {@code true}/{@code yes} or {@code false}/{@code no}, ignoring case. */
    static boolean bool(ConditionParameter p) {
        return switch (p.value().toLowerCase(Locale.ROOT)) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw new InvalidConditionParameterException(p, "true or false");
        };
    }

    /** A whole number, 0 or more. */
    static int count(ConditionParameter p, String what) {
        try {
            int n = Integer.parseInt(p.value());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidConditionParameterException(p, what);
    }
}
