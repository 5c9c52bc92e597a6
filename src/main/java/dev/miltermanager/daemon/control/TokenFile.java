package dev.miltermanager.daemon.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret a client of a TCP control socket must present: 32 random bytes in hex, written to a file only its
 * owner can read (0600). The server writes a new one at each start and removes it when it stops.
 */
final class TokenFile {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final String token;

    private TokenFile(Path path, String token) {
        this.path = path;
        this.token = token;
    }

    /**
     * Writes a fresh token to {@code path}, created with mode 0600 (a regular file left there by an earlier run is
     * replaced; anything else there, such as a symbolic link, is an error).
     */
    static TokenFile create(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(path.toString(), null,
                        "not a regular file: the control token file is not written there");
            }
            Files.delete(path);
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(path, token + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        return new TokenFile(path, token);
    }

    /** The token a client reads from the file. */
    static String read(Path path) throws IOException {
        return Files.readString(path, StandardCharsets.US_ASCII).strip();
    }

    /** Whether {@code presented} is the token, compared in constant time. */
    boolean matches(String presented) {
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    Path path() {
        return path;
    }

    /** Removes the file if it still holds this token. Never throws. */
    void delete() {
        try {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && matches(read(path))) {
                Files.delete(path);
            }
        } catch (IOException e) {
            System.getLogger(TokenFile.class.getName()).log(System.Logger.Level.WARNING,
                    "[control] cannot remove the token file " + path + ": " + e.getMessage());
        }
    }
}
