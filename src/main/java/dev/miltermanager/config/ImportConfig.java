package dev.miltermanager.config;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code milter-manager import-config [--root DIR] [--output FILE] FILE}: reads a reference configuration
 * ({@code milter-manager.local.conf}, Ruby) and writes the equivalent {@code milter-manager.conf} to standard
 * output (or {@code --output}). What cannot be translated stays in the output as a {@code # NOT TRANSLATED}
 * comment and is listed on standard error as {@code FILE:LINE: statement: why}. The milters detected below
 * {@code --root} (default {@code /}) give the preset conditions that the reference's
 * {@code add_applicable_condition} adds to. See {@code docs/import-config.md}.
 *
 * <p>Exit status: 0 when everything was translated, 1 when something was not (the output is still written), 2 for
 * bad arguments or an unreadable file.
 */
public final class ImportConfig {
    static final String USAGE = """
            Usage: milter-manager import-config [--root DIR] [--output FILE] FILE
            Translates a reference milter-manager configuration (milter-manager.local.conf, Ruby) into
            milter-manager.conf. What cannot be translated is kept as '# NOT TRANSLATED' comments and listed on
            standard error with its line; the exit status is then 1.
              --root DIR       where detection looks for installed milters, whose preset conditions
                               add_applicable_condition adds to (default /)
              --output FILE    write there instead of standard output
            """;

    private ImportConfig() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the sub-command with its arguments (without {@code import-config}); returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path root = Path.of("/");
        Path output = null;
        Path input = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--root", "--output" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, args[i] + " needs a value");
                    }
                    Path value = Path.of(args[++i]);
                    if (args[i - 1].equals("--root")) {
                        root = value;
                    } else {
                        output = value;
                    }
                }
                default -> {
                    if (args[i].startsWith("-") || input != null) {
                        return usage(err, "unexpected argument '" + args[i] + "'");
                    }
                    input = Path.of(args[i]);
                }
            }
        }
        if (input == null) {
            return usage(err, "which file? give the reference configuration to import");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("milter-manager import-config: cannot read " + input + ": " + e.getMessage());
            return 2;
        }
        Map<String, List<String>> presets = new LinkedHashMap<>();
        MilterDetector.detect(root).milters().forEach(m -> presets.put(m.name(), m.applicableConditions()));
        RubyConfigTranslator.Result result = new RubyConfigTranslator(input.toString(), presets).translate(lines);
        List<String> text = new ArrayList<>();
        text.add("# milter-manager.conf imported from " + input + " by 'milter-manager import-config'.");
        if (!result.untranslated().isEmpty()) {
            text.add("# " + result.untranslated().size() + " statement(s) could not be translated: see the"
                    + " '# NOT TRANSLATED' comments below.");
        }
        text.addAll(result.lines());
        String written = String.join("\n", text) + "\n";
        try {
            if (output == null) {
                out.print(written);
                out.flush();
            } else {
                Files.writeString(output, written, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            err.println("milter-manager import-config: cannot write " + output + ": " + e.getMessage());
            return 2;
        }
        for (String problem : result.untranslated()) {
            err.println("not translated: " + problem);
        }
        return result.untranslated().isEmpty() ? 0 : 1;
    }

    private static int usage(PrintStream err, String message) {
        err.println("milter-manager import-config: " + message);
        err.print(USAGE);
        return 2;
    }
}
