package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code Trust} condition, with the parameters, applied in file order: {@code trust.add_envelope_from_domain}
 * (a domain, compared ignoring case, or a {@code /regex/}), {@code trust.load_envelope_from_domains} (a file of such
 * lines; blank lines and lines starting with {@code #} are skipped) and {@code trust.clear = true} (forget the
 * domains so far, the defaults included). Found through {@link java.util.ServiceLoader}; Java code calls {@link
 * Conditions#trust(String...)}.
 */
public final class TrustProvider implements ConditionProvider {
    static final String NAME = "Trust";

    /** For {@link java.util.ServiceLoader}. */
    public TrustProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public String parameterPrefix() {
        return "trust";
    }

    @Override
    public String description(String name) {
        return "sets {trusted_domain}=yes for the child when the envelope sender's domain is trusted; never stops it";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(Set.of("add_envelope_from_domain", "load_envelope_from_domains", "clear"));
        List<TextPattern> domains = new ArrayList<>();
        Trust.DEFAULT_DOMAINS.forEach(d -> domains.add(TextPattern.parse("trust.default", d, true)));
        for (ConditionParameter p : parameters.all()) {
            switch (p.name()) {
                case "add_envelope_from_domain" -> domains.add(TextPattern.parse(p, true));
                case "load_envelope_from_domains" -> domains.addAll(load(p));
                default -> {
                    if (ParameterValues.bool(p)) {
                        domains.clear();
                    }
                }
            }
        }
        return Map.of(NAME, new Trust(domains));
    }

    /** The domains of a file, each line's origin {@code file:line}. */
    private static List<TextPattern> load(ConditionParameter p) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of(p.value()), StandardCharsets.UTF_8);
        } catch (IOException | InvalidPathException e) {
            throw new InvalidConditionParameterException(p, "a readable file of domains, one per line (" + e + ")");
        }
        List<TextPattern> domains = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                domains.add(TextPattern.parse(new ConditionParameter(p.key(), line, p.value() + ":" + (i + 1)), true));
            }
        }
        return domains;
    }
}
