package dev.miltermanager.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A file of the system being examined, named by its path on that system ({@code /etc/opendkim.conf}) and read below
 * the detection root. Lines are decoded leniently (ISO-8859-1), since settings files are ASCII in practice and a
 * stray byte must not hide the rest.
 */
record SystemFile(Path root, String systemPath) {

    static SystemFile of(Path root, String systemPath) {
        return new SystemFile(root, systemPath.startsWith("/") ? systemPath : "/" + systemPath);
    }

    Path path() {
        return root.resolve(systemPath.substring(1));
    }

    boolean exists() {
        return Files.exists(path());
    }

    boolean isRegularFile() {
        return Files.isRegularFile(path());
    }

    boolean isDirectory() {
        return Files.isDirectory(path());
    }

    boolean isExecutable() {
        return Files.isRegularFile(path()) && Files.isExecutable(path());
    }

    /** The lines, or none when the file is missing or unreadable. */
    List<String> lines() {
        try {
            return Files.readAllLines(path(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A sibling or child path on the same system. */
    SystemFile resolve(String name) {
        return of(root, systemPath.endsWith("/") ? systemPath + name : systemPath + "/" + name);
    }

    String origin(int line) {
        return systemPath + ":" + line;
    }

    @Override
    public String toString() {
        return systemPath;
    }
}
