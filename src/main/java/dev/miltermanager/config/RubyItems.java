package dev.miltermanager.config;

import dev.miltermanager.config.RubyValues.Untranslatable;
import dev.miltermanager.config.RubyValues.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link RubyConfigTranslator} knows of the reference's items and the built-in conditions' parameters, and how
 * it writes their values in {@code milter-manager.conf}. Stateless.
 */
final class RubyItems {
    static final Map<String, Set<String>> ITEMS = Map.of(
            "manager", Set.of("connection_spec", "unix_socket_mode", "unix_socket_group",
                    "remove_unix_socket_on_create", "remove_unix_socket_on_close", "daemon", "pid_file",
                    "maintenance_interval", "suspend_time_on_unacceptable", "max_connections", "max_file_descriptors",
                    "custom_configuration_directory", "fallback_status", "fallback_status_at_disconnect",
                    "event_loop_backend", "n_workers", "packet_buffer_size", "connection_check_interval",
                    "chunk_size", "max_pending_finished_sessions"),
            "controller", Set.of("connection_spec", "unix_socket_mode", "unix_socket_group",
                    "remove_unix_socket_on_create", "remove_unix_socket_on_close"),
            "log", Set.of("level", "path", "use_syslog", "syslog_facility"),
            "security", Set.of("privilege_mode", "effective_user", "effective_group"),
            "package", Set.of("platform", "options"));
    static final Set<String> MILTER_ITEMS = Set.of("connection_spec", "description", "enabled",
            "fallback_status", "evaluation_mode", "command", "command_options", "user_name", "connection_timeout",
            "writing_timeout", "reading_timeout", "end_of_message_timeout");
    /** Condition parameters: the reference's call (method or assignment) → our key's kind of value. */
    private static final Map<String, Param> PARAMETERS = Map.ofEntries(
            Map.entry("s25r.add_whitelist", Param.EACH), Map.entry("s25r.add_blacklist", Param.EACH),
            Map.entry("s25r.check_only_ipv4", Param.ONE),
            Map.entry("remote_network.add_local_address", Param.EACH),
            Map.entry("remote_network.add_remote_address", Param.EACH),
            Map.entry("stress.threshold_n_connections", Param.ONE),
            Map.entry("trust.add_envelope_from_domain", Param.EACH),
            Map.entry("trust.load_envelope_from_domains", Param.EACH), Map.entry("trust.clear", Param.FLAG),
            Map.entry("dnsbl.add_service", Param.WORDS), Map.entry("dnsbl.clear_services", Param.FLAG),
            Map.entry("dnsbl.name_servers", Param.ONE), Map.entry("dnsbl.timeout", Param.ONE));

    private enum Param { ONE, EACH, WORDS, FLAG }


    private RubyItems() {
    }

    static boolean isParameter(String key) {
        return PARAMETERS.containsKey(key);
    }

    /** Our lines for a condition parameter call or assignment ({@code s25r.add_whitelist(/a/, /b/)}). */
    static List<String> parameter(String key, List<Value> args) throws Untranslatable {
        List<String> out = new ArrayList<>();
        switch (PARAMETERS.get(key)) {
            case ONE -> {
                if (args.size() != 1) {
                    throw new Untranslatable("expected one value");
                }
                out.add(key + " = " + plain(args.getFirst()));
            }
            case EACH -> {
                if (args.isEmpty()) {
                    throw new Untranslatable("no value");
                }
                for (Value v : args) {
                    for (Value e : v.flattened()) {
                        out.add(key + " = " + parameterValue(e));
                    }
                }
            }
            case WORDS -> {
                List<String> words = new ArrayList<>();
                for (Value v : args) {
                    v.flattened().forEach(e -> words.add(e.text()));
                }
                out.add(key + " = " + String.join(" ", words));
            }
            case FLAG -> {
                if (!args.isEmpty()) {
                    throw new Untranslatable("expected no argument");
                }
                out.add(key + " = true");
            }
        }
        return out;
    }

    /** A condition parameter: a regular expression stays {@code /…/}, a string is a literal. */
    static String parameterValue(Value v) throws Untranslatable {
        if (v.kind() == Value.Kind.REGEXP || v.kind() == Value.Kind.STRING || v.kind() == Value.Kind.NUMBER) {
            return quoteIfNeeded(v.text());
        }
        throw new Untranslatable("'" + v.text() + "' is neither a string nor a regular expression");
    }

    static String plain(Value v) throws Untranslatable {
        return switch (v.kind()) {
            case NIL -> "";
            case REGEXP -> throw new Untranslatable("a regular expression is not a value of this item");
            case ARRAY -> {
                for (Value e : v.flattened()) {
                    plain(e);
                }
                yield v.written();
            }
            default -> quoteIfNeeded(v.text());
        };
    }

    /** A command (string or array, as the reference takes it) as one shell-like line. */
    static String commandLine(Value v) throws Untranslatable {
        if (v.kind() != Value.Kind.ARRAY) {
            return plain(v);
        }
        List<String> words = new ArrayList<>();
        for (Value e : v.flattened()) {
            String w = plain(e);
            words.add(w.isEmpty() || w.matches(".*[\\s'\"\\\\].*") ? "'" + w.replace("'", "'\\''") + "'" : w);
        }
        return String.join(" ", words);
    }

    private static String quoteIfNeeded(String text) {
        return text.isEmpty() || !text.equals(text.strip()) ? "\"" + text + "\"" : text;
    }
}
