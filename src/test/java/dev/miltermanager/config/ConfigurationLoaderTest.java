package dev.miltermanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testsupport.LimitConditions;
import dev.miltermanager.testsupport.ServiceClassLoader;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private Configuration load(String text) throws Exception {
        write("milter-manager.conf", text);
        return ConfigurationLoader.create(dir).load();
    }

    private List<String> errorsOf(String text) throws IOException {
        write("milter-manager.conf", text);
        return assertThrows(ConfigurationException.class, () -> ConfigurationLoader.create(dir).load()).errors();
    }

    private String conf() {
        return dir.resolve("milter-manager.conf").toString();
    }

    @Test
    void anAbsentDirectoryGivesTheDefaults() throws Exception {
        Configuration c = ConfigurationLoader.create(dir.resolve("nowhere")).load();
        MilterManagerConfig defaults = MilterManagerConfig.builder().build();
        assertEquals(defaults, c.manager());
        assertEquals(List.of(), c.files());
        assertEquals(List.of(), c.warnings());
        assertEquals(System.Logger.Level.INFO, c.daemon().logLevel());
        assertEquals(Optional.empty(), c.daemon().pidFile());
        assertEquals("default", c.origin("manager.connection_spec"));
        assertTrue(c.show().contains("manager.connection_spec = inet:10025@[127.0.0.1]  # default\n"), c.show());
    }

    @Test
    void anEmptyFileGivesTheDefaultsToo() throws Exception {
        Configuration c = load("# nothing but a comment\n\n");
        assertEquals(MilterManagerConfig.builder().build(), c.manager());
        assertEquals(List.of(dir.resolve("milter-manager.conf")), c.files());
    }

    @Test
    void everyManagerItemTypeIsReadAndTyped() throws Exception {
        Configuration c = load("""
                manager.connection_spec = unix:/run/mm/mm.sock
                manager.unix_socket_mode = 600
                manager.unix_socket_group = "postfix"
                manager.remove_unix_socket_on_create = no
                manager.remove_unix_socket_on_close = False   # trailing comment
                manager.max_connections = 40
                manager.fallback_status = temporary-failure
                manager.fallback_status_at_disconnect = reject
                manager.chunk_size = 4096
                manager.max_body_bytes_in_memory = 1024
                manager.defer_content_replies = yes
                manager.temporary_directory = /var/tmp
                manager.pid_file = /run/mm.pid
                log.level = warning|statistics
                log.path = /var/log/mm.log
                controller.connection_spec = inet:10026@[127.0.0.1]
                controller.unix_socket_mode = 0640
                """);
        MilterManagerConfig m = c.manager();
        assertEquals(ConnectionSpec.parse("unix:/run/mm/mm.sock"), m.connectionSpec());
        assertEquals(ListenOptions.DEFAULTS.withUnixSocketMode(0600).withUnixSocketGroup("postfix")
                .withRemoveUnixSocketOnCreate(false).withRemoveUnixSocketOnClose(false), m.listenOptions());
        assertEquals(40, m.maxConnections());
        assertEquals(Status.TEMPORARY_FAILURE, m.fallbackStatus());
        assertEquals(Status.REJECT, m.fallbackStatusAtDisconnect());
        assertEquals(4096, m.chunkSize());
        assertEquals(1024, m.maxBodyBytesInMemory());
        assertTrue(m.deferContentReplies());
        assertEquals(Path.of("/var/tmp"), m.temporaryDirectory());
        DaemonSettings d = c.daemon();
        assertEquals(Optional.of(Path.of("/run/mm.pid")), d.pidFile());
        assertEquals(System.Logger.Level.INFO, d.logLevel(), "statistics is the most verbose of the two");
        assertEquals("warning|statistics", d.logLevelText());
        assertEquals(Optional.of(Path.of("/var/log/mm.log")), d.logPath());
        assertEquals(Optional.of(ConnectionSpec.parse("inet:10026@[127.0.0.1]")), d.controllerConnectionSpec());
        assertEquals(0640, d.controllerListenOptions().unixSocketMode());
        assertEquals(conf() + ":5", c.origin("manager.remove_unix_socket_on_close"));
        assertEquals("default", c.origin("controller.unix_socket_group"));
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void aConnectionCheckIntervalChecksThroughProcNetTcp() throws Exception {
        assertEquals(Duration.ZERO, load("").manager().connectionCheckInterval(), "never by default");
        assertFalse(load("").manager().deferContentReplies(), "off by default");
        MilterManagerConfig m = load("manager.connection_check_interval = 2.5\n").manager();
        assertEquals(Duration.ofMillis(2500), m.connectionCheckInterval());
        assertEquals("ProcNetTcpChecker", m.connectionChecker().getClass().getSimpleName());
    }

    @Test
    void everyChildItemIsReadInDefinitionOrder() throws Exception {
        Configuration c = load("""
                milter.spamd.connection_spec = inet:783@localhost
                milter.clamav.connection_spec = unix:/run/clamav.sock
                milter.clamav.description = "virus check"
                milter.clamav.enabled = yes
                milter.clamav.fallback_status = reject
                milter.clamav.evaluation_mode = true
                milter.clamav.connection_timeout = 0.5
                milter.clamav.writing_timeout = 2
                milter.clamav.reading_timeout = 3.25
                milter.clamav.end_of_message_timeout = 60
                milter.clamav.reuse_connection = yes
                milter.spamd.enabled = false
                """);
        List<ChildConfig> children = c.manager().children();
        assertEquals(List.of("spamd", "clamav"), children.stream().map(ChildConfig::name).toList());
        ChildConfig clamav = children.get(1);
        assertEquals(ChildConfig.builder("clamav", ConnectionSpec.parse("unix:/run/clamav.sock"))
                .description("virus check").fallbackStatus(Status.REJECT).evaluationMode(true)
                .connectionTimeout(Duration.ofMillis(500)).writingTimeout(Duration.ofSeconds(2))
                .readingTimeout(Duration.ofMillis(3250)).endOfMessageTimeout(Duration.ofSeconds(60))
                .reuseConnection(true).build(), clamav);
        assertFalse(children.get(0).enabled());
        assertFalse(children.get(0).reuseConnection(), "off by default");
        assertEquals(List.of("clamav"), c.manager().enabledChildren().stream().map(ChildConfig::name).toList());
        assertEquals(conf() + ":7", c.origin("milter.clamav.connection_timeout"));
        assertEquals("default", c.origin("milter.spamd.reading_timeout"));
        assertTrue(c.show().contains("milter.clamav.connection_timeout = 0.5  # " + conf() + ":7\n"), c.show());
        assertTrue(c.show().contains("milter.spamd.connection_timeout = 297  # default\n"), c.show());
    }

    @Test
    void includesReadAFileAndADirectoryInNameOrderRelativeToTheIncludingFile() throws Exception {
        write("conf.d/20-second.conf", "milter.b.connection_spec = inet:2002@[127.0.0.1]\n");
        write("conf.d/10-first.conf", "milter.a.connection_spec = inet:2001@[127.0.0.1]\ninclude = ../extra/more.conf\n");
        write("conf.d/notes.txt", "this is not read\n");
        write("extra/more.conf", "milter.a.description = from more.conf\n");
        Configuration c = load("""
                include = conf.d
                milter.a.writing_timeout = 9
                """);
        assertEquals(List.of("a", "b"), c.manager().children().stream().map(ChildConfig::name).toList());
        assertEquals("from more.conf", c.manager().children().get(0).description());
        assertEquals(dir.resolve("extra/more.conf") + ":1", c.origin("milter.a.description"));
        assertEquals(Duration.ofSeconds(9), c.manager().children().get(0).writingTimeout());
        assertEquals(4, c.files().size());
    }

    @Test
    void laterLinesOverrideRemoveMilterRemovesAndDefiningAgainAppends() throws Exception {
        Configuration c = load("""
                milter.a.connection_spec = inet:1@[127.0.0.1]
                milter.b.connection_spec = inet:2@[127.0.0.1]
                milter.c.connection_spec = inet:3@[127.0.0.1]
                remove_milter = a
                milter.b.connection_spec = inet:22@[127.0.0.1]
                milter.a.connection_spec = inet:11@[127.0.0.1]
                """);
        assertEquals(List.of("b", "c", "a"), c.manager().children().stream().map(ChildConfig::name).toList());
        assertEquals(ConnectionSpec.parse("inet:22@[127.0.0.1]"), c.manager().children().get(0).connectionSpec());
        assertTrue(c.show().contains("# removed: milter a (" + conf() + ":4)"), c.show());
    }

    @Test
    void removingOrDisablingAnUndefinedChildIsOnlyAWarning() throws Exception {
        Configuration c = load("""
                remove_milter = ghost
                milter.opendkim.enabled = false
                """);
        assertEquals(List.of(), c.manager().children());
        assertEquals(2, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).startsWith(conf() + ":1: remove_milter = ghost: no child"), c.warnings().toString());
        assertTrue(c.warnings().get(1).contains("milter.opendkim is disabled and has no connection_spec"));
    }

    @Test
    void everyErrorOfEveryFileIsReportedWithFileAndLine() throws Exception {
        write("conf.d/bad.conf", "\nmilter.x.fallback_status = maybe\n");
        List<String> errors = errorsOf("""
                manager.connection_spec = inet:notaport
                manager.max_connections = -1
                include = conf.d
                manager.conection_spec = inet:10025
                log.level = loud
                milter.x.connection_spec = unix:/run/x.sock
                milter.x.enabled = perhaps
                manager.unix_socket_mode = 0999
                just some words
                milter.x.reading_timeout = 0
                milter.x.colour = blue
                """);
        String inc = dir.resolve("conf.d/bad.conf").toString();
        List<String> expected = List.of(
                conf() + ":1: manager.connection_spec = inet:notaport: expected a connection spec",
                conf() + ":2: manager.max_connections = -1: expected a whole number, 0 or more",
                inc + ":2: milter.x.fallback_status = maybe: expected accept, temporary-failure, reject or discard",
                conf() + ":4: manager.conection_spec = inet:10025: expected one of manager.",
                conf() + ":5: log.level = loud: expected log levels",
                conf() + ":7: milter.x.enabled = perhaps: expected true or false",
                conf() + ":8: manager.unix_socket_mode = 0999: expected an octal permission mode",
                conf() + ":9: just some words: expected key = value",
                conf() + ":10: milter.x.reading_timeout = 0: expected a number of seconds above 0",
                conf() + ":11: milter.x.colour = blue: expected one of milter.x.connection_spec");
        assertEquals(expected.size(), errors.size(), String.join("\n", errors));
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(errors.get(i).startsWith(expected.get(i)), "in file order, includes in their place: "
                    + expected.get(i) + "\nnot at " + i + " in\n" + String.join("\n", errors));
        }
        assertTrue(errors.stream().anyMatch(e -> e.contains("conection_spec") && e.endsWith(
                "did you mean manager.connection_spec?")), String.join("\n", errors));
        assertTrue(errors.stream().noneMatch(e -> e.contains("colour") && e.contains("did you mean")),
                "no far-fetched suggestion");
    }

    @Test
    void aRubyConfigurationOfTheReferenceIsRecognisedAndImportConfigSuggested() throws Exception {
        List<String> errors = errorsOf("""
                define_milter("clamav") do |milter|
                  milter.connection_spec = "unix:/run/clamav.ctl"
                end
                """);
        assertTrue(errors.get(0).startsWith(conf() + ":1: define_milter(\"clamav\") do |milter|: expected key = value "
                + "(this is the C milter manager's Ruby configuration: milter-manager import-config translates it"),
                errors.toString());
    }

    @Test
    void anUnknownPrefixListsTheSectionsAndSuggests() throws Exception {
        List<String> errors = errorsOf("manger.fallback_status = accept\n");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith(conf() + ":1: manger.fallback_status = accept: expected one of include, "
                + "remove_milter, package.*, security.*"), errors.get(0));
        assertTrue(errors.get(0).endsWith("did you mean manager.fallback_status?"), errors.get(0));
    }

    @Test
    void anEnabledChildWithoutSpecAndReadOnlyNameAreErrors() throws Exception {
        List<String> errors = errorsOf("""
                milter.x.description = no socket
                milter.y.connection_spec = inet:1@[127.0.0.1]
                milter.y.name = z
                """);
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.contains(conf() + ":1: milter.x: expected a milter.x.connection_spec (every enabled child "
                + "needs one)"), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(conf() + ":3: milter.y.name = z: expected one of")
                && e.contains("read-only")), errors.toString());
    }

    @Test
    void includeProblemsAreErrors() throws Exception {
        write("loop.conf", "include = milter-manager.conf\n");
        List<String> errors = errorsOf("""
                include = missing.d
                include = loop.conf
                """);
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(conf() + ":1: include = missing.d: expected an existing file or directory"),
                errors.get(0));
        assertTrue(errors.get(1).startsWith(dir.resolve("loop.conf") + ":1: include = milter-manager.conf: include loop"),
                errors.get(1));
    }

    @Test
    void quotedValuesKeepSpacesAndHashesAndTheQuoteMustClose() throws Exception {
        Configuration c = load("""
                milter.a.connection_spec = inet:1@[127.0.0.1]
                milter.a.description = "  tagged #1 "   # a comment
                milter.b.connection_spec = inet:2@[127.0.0.1]
                milter.b.description = issue#7 stays # but this goes
                """);
        assertEquals("  tagged #1 ", c.manager().children().get(0).description());
        assertEquals("issue#7 stays", c.manager().children().get(1).description());
        List<String> errors = errorsOf("milter.a.description = \"open\n");
        assertTrue(errors.get(0).contains("expected a closing \""), errors.toString());
    }

    @Test
    void referenceItemsWeDoNotImplementAreAcceptedValidatedAndWarnedOnce() throws Exception {
        Configuration c = load("""
                manager.n_workers = 4
                manager.n_workers = 8
                manager.event_loop_backend = libev
                security.privilege_mode = true
                database.type = sqlite3
                milter.a.connection_spec = inet:1@[127.0.0.1]
                milter.a.user_name = nobody
                milter.b.connection_spec = inet:2@[127.0.0.1]
                milter.b.user_name = nobody
                """);
        assertEquals(5, c.warnings().size(), String.join("\n", c.warnings()));
        assertTrue(c.warnings().get(0).startsWith(conf() + ":1: manager.n_workers = 4: accepted and ignored: "),
                c.warnings().get(0));
        assertTrue(c.show().contains("manager.n_workers = 8  # " + conf() + ":2\n"));
        List<String> errors = errorsOf("manager.n_workers = 1001\nmanager.event_loop_backend = epoll\n");
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.get(1).endsWith("expected one of glib, libev"), errors.toString());
    }

    @Test
    void logLevelsOfTheReferenceSetTheThreshold() throws Exception {
        assertEquals(System.Logger.Level.ERROR, load("log.level = critical|error\n").daemon().logLevel());
        assertEquals(System.Logger.Level.WARNING, load("log.level = warning\n").daemon().logLevel());
        assertEquals(System.Logger.Level.DEBUG, load("log.level = error | debug\n").daemon().logLevel());
        assertEquals(System.Logger.Level.ALL, load("log.level = ALL\n").daemon().logLevel());
        assertEquals("error|debug", load("log.level = error | debug\n").daemon().logLevelText());
    }

    @Test
    void overridesComeLastAndNameTheirOrigin() throws Exception {
        write("milter-manager.conf", "manager.connection_spec = inet:1@[127.0.0.1]\n");
        Configuration c = ConfigurationLoader.create(dir)
                .withOverride("manager.connection_spec", "inet:2@[127.0.0.1]", "command line (--connection-spec)")
                .withOverride("milter.x.connection_spec", "unix:/x", "command line (--milter)").load();
        assertEquals(ConnectionSpec.parse("inet:2@[127.0.0.1]"), c.manager().connectionSpec());
        assertEquals("command line (--connection-spec)", c.origin("manager.connection_spec"));
        assertEquals("command line (--milter)", c.origin("milter.x.connection_spec"));
        var e = assertThrows(ConfigurationException.class, () -> ConfigurationLoader.create(dir)
                .withOverride("log.level", "loud", "command line (--log-level)").load());
        assertTrue(e.errors().get(0).startsWith("command line (--log-level): log.level = loud: expected"), e.getMessage());
    }

    @Test
    void conditionParametersGoToTheirProviderWithTheirOriginAndChildrenNameConditions() throws Exception {
        ClassLoader loader = loaderWith(LimitConditions.class);
        write("milter-manager.conf", """
                limit.max = 3
                milter.a.connection_spec = inet:1@[127.0.0.1]
                milter.a.applicable_conditions = Under Limit, over limit
                """);
        Configuration c = ConfigurationLoader.create(dir).withConditionLoader(loader).load();
        assertEquals(2, c.manager().children().get(0).conditions().size());
        assertTrue(c.show().contains("limit.max = 3  # " + conf() + ":1\n"), c.show());
        assertTrue(c.show().contains("milter.a.applicable_conditions = Under Limit, over limit  # "), c.show());

        write("milter-manager.conf", """
                limit.max = lots
                limit.colour = red
                milter.a.connection_spec = inet:1@[127.0.0.1]
                milter.a.applicable_conditions = Under Limit, Sunny Day
                milter.a.enabled = maybe
                """);
        var e = assertThrows(ConfigurationException.class,
                () -> ConfigurationLoader.create(dir).withConditionLoader(loader).load());
        assertEquals(3, e.errors().size(), e.getMessage());
        assertTrue(e.errors().stream().anyMatch(x -> x.startsWith(conf() + ":5: milter.a.enabled = maybe")));
        assertTrue(e.errors().stream().anyMatch(x -> x.startsWith(conf() + ":1: limit.max = lots: expected a whole number")
                || x.startsWith(conf() + ":2: limit.colour = red: expected")), e.getMessage());
        assertTrue(e.errors().stream().anyMatch(x -> x.startsWith(conf()
                + ":4: milter.a.applicable_conditions = Under Limit, Sunny Day: expected condition names from [")
                && x.contains("Under Limit, Over Limit") && x.endsWith("(Sunny Day is neither)")), e.getMessage());
    }

    @Test
    void theShownConfigurationReadsBackToTheSameConfiguration() throws Exception {
        ClassLoader loader = loaderWith(LimitConditions.class);
        write("conf.d/a.conf", "milter.b.connection_spec = unix:/run/b.sock\nmilter.b.command = /usr/sbin/b -x 'two words'\n");
        write("milter-manager.conf", """
                limit.max = 3
                manager.unix_socket_mode = 0600
                manager.n_workers = 2
                log.level = warning|debug
                manager.pid_file = /run/mm.pid
                include = conf.d
                milter.a.connection_spec = inet:1@[127.0.0.1]
                milter.a.description = " spaced #out "
                milter.a.applicable_conditions = Under Limit
                milter.a.reading_timeout = 1.5
                milter.c.connection_spec = inet:3@[127.0.0.1]
                remove_milter = c
                """);
        Configuration first = ConfigurationLoader.create(dir).withConditionLoader(loader).load();
        Path again = dir.resolve("again");
        Files.createDirectories(again);
        Files.writeString(again.resolve("milter-manager.conf"), first.show());
        Configuration second = ConfigurationLoader.create(again).withConditionLoader(loader).load();
        assertEquals(withoutOrigins(first.show()), withoutOrigins(second.show()));
        assertEquals(first.daemon(), second.daemon());
        assertEquals(first.manager().toBuilder().build().connectionSpec(), second.manager().connectionSpec());
        assertEquals(names(first), names(second));
        assertEquals(" spaced #out ", second.manager().children().get(1).description());
        int pidLine = first.show().lines().toList().indexOf("manager.pid_file = /run/mm.pid  # " + conf() + ":5") + 1;
        assertEquals(again.resolve("milter-manager.conf") + ":" + pidLine, second.origin("manager.pid_file"));
    }

    private static List<String> names(Configuration c) {
        return c.manager().children().stream().map(x -> x.name() + "=" + x.connectionSpec() + " " + x.readingTimeout()
                + " " + x.conditions().size()).toList();
    }

    private static List<String> withoutOrigins(String shown) {
        return shown.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> l.replaceAll("  # .*$", "")).toList();
    }

    private ClassLoader loaderWith(Class<?>... providers) throws IOException {
        return ServiceClassLoader.of(dir.resolve("providers"), ConditionProvider.class, providers);
    }
}
