package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md documents every item the parser knows, and marks the ignored ones as such. */
class ConfigurationDocTest {

    @Test
    void everyItemIsInTheReferencePage() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        String ignoredSection = doc.substring(doc.indexOf("### Items accepted and ignored"),
                doc.indexOf("## A child's items"));
        for (Item item : Items.MANAGER) {
            assertTrue(doc.contains("`" + item.key() + "`"), item.key() + " is not documented");
            if (item.isIgnored()) {
                assertTrue(ignoredSection.contains("`" + item.key() + "`"), item.key() + " is ignored but not listed so");
            }
        }
        for (Item item : Items.MILTER) {
            assertTrue(doc.contains("| `" + item.key() + "` |"), "milter.NAME." + item.key() + " is not documented");
        }
    }
}
