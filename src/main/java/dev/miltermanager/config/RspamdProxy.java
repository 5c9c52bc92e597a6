package dev.miltermanager.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * rspamd's milter endpoint: the {@code bind_socket} of its {@code rspamd_proxy} worker with {@code milter = yes},
 * as {@code rspamadm configdump --json} prints it. Runs the command only when it exists below the root; a
 * {@code *} host means every interface, reached on {@code localhost}; a path with a mode ({@code /run/x.sock
 * mode=0666}) is a Unix socket.
 */
final class RspamdProxy {
    static final String RSPAMADM = "/usr/bin/rspamadm";
    private static final long TIMEOUT_SECONDS = 20;

    private RspamdProxy() {
    }

    /** The proxy's socket (origin: the command), empty when rspamadm is missing or no milter proxy is set up. */
    static Optional<Setting> socket(SystemFile rspamadm, List<String> problems) {
        if (!rspamadm.isExecutable()) {
            return Optional.empty();
        }
        String origin = rspamadm.systemPath() + " configdump --json";
        String output;
        try {
            Process process = new ProcessBuilder(rspamadm.path().toString(), "configdump", "--json")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            process.getOutputStream().close();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                problems.add(origin + ": did not finish within " + TIMEOUT_SECONDS + " s; rspamd skipped");
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                problems.add(origin + ": exited with status " + process.exitValue() + "; rspamd skipped");
                return Optional.empty();
            }
            output = new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            problems.add(origin + ": cannot run: " + e.getMessage() + "; rspamd skipped");
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            return proxyBind(Json.parse(output.strip())).map(bind -> new Setting(spec(bind), origin));
        } catch (IllegalArgumentException e) {
            problems.add(origin + ": " + e.getMessage() + "; rspamd skipped");
            return Optional.empty();
        }
    }

    /** The {@code bind_socket} of the first {@code rspamd_proxy} worker with milter mode on. */
    static Optional<String> proxyBind(Object config) {
        if (!(config instanceof Map<?, ?> root)) {
            return Optional.empty();
        }
        Object workers = root.get("worker");
        List<?> list = workers instanceof List<?> l ? l
                : workers instanceof Map<?, ?> m ? m.entrySet().stream().map(e -> Map.of(e.getKey(), e.getValue()))
                        .toList()
                : List.of();
        for (Object worker : list) {
            if (worker instanceof Map<?, ?> w && w.get("rspamd_proxy") instanceof Map<?, ?> proxy
                    && isOn(proxy.get("milter"))) {
                Object bind = proxy.get("bind_socket");
                if (bind instanceof List<?> binds && !binds.isEmpty()) {
                    bind = binds.getFirst();
                }
                if (bind instanceof String s && !s.isBlank()) {
                    return Optional.of(s.strip());
                }
            }
        }
        return Optional.empty();
    }

    /** {@code localhost:11332} → {@code inet:11332@localhost}; {@code *:11332} → {@code inet:11332@localhost}. */
    static String spec(String bind) {
        if (bind.startsWith("/")) {
            return "unix:" + bind.split("\\s+", 2)[0];
        }
        int colon = bind.lastIndexOf(':');
        if (colon < 0) {
            return bind;
        }
        String host = bind.substring(0, colon);
        String port = bind.substring(colon + 1);
        if (host.equals("*")) {
            host = "localhost";
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            return "inet6:" + port + "@" + host;
        }
        return "inet:" + port + "@" + host;
    }

    private static boolean isOn(Object value) {
        return Boolean.TRUE.equals(value) || value instanceof String s
                && (s.equalsIgnoreCase("yes") || s.equalsIgnoreCase("true") || s.equals("1"));
    }
}
