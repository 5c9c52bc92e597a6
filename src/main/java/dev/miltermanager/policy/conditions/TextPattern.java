package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A value a condition matches text against, written as configurations write it: {@code /regex/} (with an optional
 * trailing {@code i} for case-insensitive), found anywhere in the text as Ruby's {@code =~} does, or any other value
 * compared whole.
 */
record TextPattern(String written, Pattern regex, String literal, boolean ignoreCase) {

    /**
     * Parses a parameter's value.
     *
     * @param literalIgnoresCase whether a literal value is compared ignoring case (domains, addresses) or exactly
     * @throws InvalidConditionParameterException when a regular expression does not compile
     */
    static TextPattern parse(ConditionParameter p, boolean literalIgnoresCase) {
        String v = p.value();
        boolean insensitive = v.length() >= 3 && v.startsWith("/") && v.endsWith("/i");
        if (insensitive || v.length() >= 2 && v.startsWith("/") && v.endsWith("/")) {
            String body = v.substring(1, v.length() - (insensitive ? 2 : 1));
            try {
                return new TextPattern(v, Pattern.compile(body, insensitive ? Pattern.CASE_INSENSITIVE : 0), null,
                        insensitive);
            } catch (PatternSyntaxException e) {
                throw new InvalidConditionParameterException(p,
                        "a valid regular expression between slashes (" + e.getDescription() + ")");
            }
        }
        if (v.isEmpty()) {
            throw new InvalidConditionParameterException(p, "a value or a /regular expression/");
        }
        return new TextPattern(v, null, literalIgnoresCase ? v.toLowerCase(Locale.ROOT) : v, literalIgnoresCase);
    }

    /** Parses a value given in code (origin {@code "code"}). */
    static TextPattern parse(String key, String value, boolean literalIgnoresCase) {
        return parse(ConditionParameter.of(key, value), literalIgnoresCase);
    }

    boolean matches(String text) {
        if (regex != null) {
            return regex.matcher(text).find();
        }
        return ignoreCase ? literal.equalsIgnoreCase(text) : literal.equals(text);
    }

    @Override
    public String toString() {
        return written;
    }
}
