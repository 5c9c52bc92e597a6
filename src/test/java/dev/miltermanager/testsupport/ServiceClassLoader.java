package dev.miltermanager.testsupport;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/** A class loader whose {@link java.util.ServiceLoader} finds the given providers of one service, for one test. */
public final class ServiceClassLoader {
    private ServiceClassLoader() {}

    /**
     * A loader over the test's own classes that also lists {@code providers} for {@code service}, through a services
     * file written below {@code dir}.
     */
    public static ClassLoader of(Path dir, Class<?> service, Class<?>... providers) throws IOException {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        StringBuilder lines = new StringBuilder();
        for (Class<?> p : providers) {
            lines.append(p.getName()).append('\n');
        }
        Files.writeString(services.resolve(service.getName()), lines);
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, ServiceClassLoader.class.getClassLoader());
    }
}
