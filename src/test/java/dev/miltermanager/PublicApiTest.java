package dev.miltermanager;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards the public API: the public types and members of every package but {@code internal} ones must equal the
 * checked-in {@code docs/api.txt}, so an API change is always a visible diff. After an intended change, refresh
 * the file with {@code bin/build test -Dtest=PublicApiTest -Dapi.update=true} and commit it.
 */
class PublicApiTest {
    private static final Path API_FILE = Path.of("docs", "api.txt");

    @Test
    void publicApiMatchesDocsApiTxt() throws IOException, URISyntaxException {
        List<String> actual = describeApi();
        if (Boolean.getBoolean("api.update")) {
            Files.writeString(API_FILE, String.join("\n", actual) + "\n", StandardCharsets.UTF_8);
            return;
        }
        List<String> expected = Files.exists(API_FILE) ? Files.readAllLines(API_FILE, StandardCharsets.UTF_8)
                : List.of();
        if (!expected.equals(actual)) {
            TreeSet<String> added = new TreeSet<>(actual);
            expected.forEach(added::remove);
            TreeSet<String> removed = new TreeSet<>(expected);
            actual.forEach(removed::remove);
            fail("The public API differs from " + API_FILE + ". If the change is intended, run\n"
                    + "  bin/build test -Dtest=PublicApiTest -Dapi.update=true\nand commit the file.\n"
                    + "Added:\n  " + String.join("\n  ", added) + "\nRemoved:\n  " + String.join("\n  ", removed));
        }
    }

    private static List<String> describeApi() throws IOException, URISyntaxException {
        Path classes = Path.of(dev.miltermanager.protocol.Command.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes.resolve("dev/miltermanager"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains(".internal.") || name.endsWith("package-info")) {
                    continue;
                }
                Class<?> type;
                try {
                    type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                if (isExported(type)) {
                    describe(type, lines);
                }
            }
        }
        return lines;
    }

    private static boolean isExported(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isSynthetic()) {
                return false;
            }
        }
        return true;
    }

    private static void describe(Class<?> type, List<String> lines) {
        String kind = type.isRecord() ? "record" : type.isEnum() ? "enum" : type.isAnnotation() ? "@interface"
                : type.isInterface() ? "interface" : "class";
        String modifiers = Modifier.toString(type.getModifiers() & (Modifier.ABSTRACT | Modifier.FINAL | Modifier.STATIC))
                .replace("abstract ", "").replace("abstract", "");
        if (type.isInterface() || type.isEnum() || type.isRecord()) {
            modifiers = type.isSealed() ? "sealed" : "";
        } else if (type.isSealed()) {
            modifiers = (modifiers + " sealed").trim();
        }
        StringBuilder header = new StringBuilder(type.getName()).append(": ")
                .append(modifiers.isBlank() ? "" : modifiers.trim() + " ").append(kind);
        if (type.getGenericSuperclass() != null && type.getSuperclass() != Object.class && !type.isEnum()
                && !type.isRecord()) {
            header.append(" extends ").append(typeName(type.getGenericSuperclass()));
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            header.append(type.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(interfaces).map(PublicApiTest::typeName).collect(Collectors.joining(", ")));
        }
        lines.add(header.toString());
        TreeSet<String> members = new TreeSet<>();
        for (Field f : type.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic() && !f.isEnumConstant()) {
                members.add("  field " + Modifier.toString(f.getModifiers()) + " " + typeName(f.getGenericType()) + " "
                        + f.getName());
            } else if (f.isEnumConstant()) {
                members.add("  constant " + f.getName());
            }
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (visible(c.getModifiers()) && !c.isSynthetic() && !type.isEnum()) {
                members.add("  new(" + params(c) + ")");
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                String mods = Modifier.toString(m.getModifiers() & (Modifier.STATIC | Modifier.ABSTRACT));
                members.add("  method " + (mods.isEmpty() ? "" : mods + " ") + typeName(m.getGenericReturnType()) + " "
                        + m.getName() + "(" + params(m) + ")");
            }
        }
        members.forEach(lines::add);
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String params(Executable e) {
        return Arrays.stream(e.getGenericParameterTypes()).map(PublicApiTest::typeName).collect(Collectors.joining(", "));
    }

    private static String typeName(Type t) {
        return t.getTypeName().replace("java.lang.", "").replace("java.util.", "");
    }
}
