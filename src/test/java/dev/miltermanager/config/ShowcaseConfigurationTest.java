package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManagerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration docs/showcase.md tells administrators to copy is read by the real loader as the page says. */
class ShowcaseConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void theShowcasesConfigurationLoadsWithTheConditionsItNames() throws IOException, ConfigurationException {
        String page = Files.readString(Path.of("docs/showcase.md"));
        String block = codeBlockWith(page, "milter.greylist.applicable_conditions");
        Files.writeString(dir.resolve(ConfigurationLoader.CONFIG_FILE_NAME), block);
        Path noMilters = Files.createDirectories(dir.resolve("empty-root"));

        Configuration config = ConfigurationLoader.create(dir).withDetection(noMilters).load();

        MilterManagerConfig manager = config.manager();
        Map<String, ChildConfig> children = manager.children().stream()
                .collect(Collectors.toMap(ChildConfig::name, c -> c));
        assertEquals(List.of("greylist", "clamav"), manager.children().stream().map(ChildConfig::name).toList());
        assertEquals(List.of("S25R", "DNSBL Listed"), children.get("greylist").conditionNames());
        assertTrue(children.get("clamav").conditions().isEmpty());
        String file = dir.resolve(ConfigurationLoader.CONFIG_FILE_NAME).toString();
        String origin = config.origin("milter.greylist.applicable_conditions");
        assertTrue(origin.startsWith(file + ":"), origin);
        assertTrue(config.show().contains("dnsbl.name_servers = 127.0.0.53"), config.show());
    }

    private static String codeBlockWith(String page, String needle) {
        String[] blocks = page.split("```");
        for (int i = 1; i < blocks.length; i += 2) {
            if (blocks[i].contains(needle)) {
                return blocks[i].substring(blocks[i].indexOf('\n') + 1);
            }
        }
        throw new AssertionError("docs/showcase.md has no code block with " + needle);
    }
}
