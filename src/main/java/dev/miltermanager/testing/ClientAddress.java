package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.transport.ConnectionSpec;

/** The SMTP client's address as CONNECT carries it, read from a spec or a bare address. */
record ClientAddress(Command.Family family, int port, String address) {

    static ClientAddress parse(String text) {
        String t = text.trim();
        if (t.startsWith("inet:") || t.startsWith("inet6:") || t.startsWith("unix:") || t.startsWith("local:")) {
            return switch (ConnectionSpec.parse(t)) {
                case ConnectionSpec.Inet inet -> new ClientAddress(
                        inet.family() == java.net.StandardProtocolFamily.INET6 ? Command.Family.INET6
                                : Command.Family.INET, inet.port(), inet.host().orElse("127.0.0.1"));
                case ConnectionSpec.Unix unix -> new ClientAddress(Command.Family.UNIX, 0, unix.path().toString());
            };
        }
        if (t.isEmpty()) {
            return new ClientAddress(Command.Family.UNKNOWN, 0, "");
        }
        return new ClientAddress(t.contains(":") ? Command.Family.INET6 : Command.Family.INET, 0, t);
    }

    Command.Connect connect(String host) {
        return family == Command.Family.UNKNOWN ? Command.Connect.unknown(host)
                : new Command.Connect(host, family, port, address);
    }
}
