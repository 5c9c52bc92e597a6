package dev.miltermanager.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A child milter found installed on the machine by {@link MilterDetector}: what the configuration model starts
 * from before the files override it item by item. Immutable.
 *
 * @param name the service name ({@code opendkim}, {@code milter-greylist}, …), the child's name in the configuration
 * @param description the service's description (unit {@code Description=}, LSB header), or empty
 * @param connectionSpec where the milter listens, normalized: a bare path or {@code local:PATH} becomes
 *     {@code unix:PATH}; never {@code null} (a milter whose socket could not be found is not detected)
 * @param enabled whether the operating system starts the service (enabled systemd unit, {@code ENABLED=1},
 *     rc links, {@code NAME_enable="YES"})
 * @param applicableConditions the reference's preset conditions for this milter, by name ({@code S25R}, …)
 * @param command the argv that starts the service ({@code systemctl start NAME}, …), empty when none is known
 * @param origin {@code file:line} (or a file) where the socket was found
 * @param items further per-milter items as the configuration file spells them after {@code milter.NAME.}, e.g.
 *     {@code writing_timeout = 307.0} when milter-greylist's tarpit lengthens the timeouts; usually empty
 */
public record DetectedMilter(String name, String description, String connectionSpec, boolean enabled,
        List<String> applicableConditions, List<String> command, String origin, Map<String, String> items) {

    public DetectedMilter {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(connectionSpec, "connectionSpec");
        applicableConditions = List.copyOf(applicableConditions);
        command = List.copyOf(command);
        origin = origin == null ? "" : origin;
        items = Map.copyOf(items);
    }

    /** A detected milter without further items (the contract's seven fields). */
    public DetectedMilter(String name, String description, String connectionSpec, boolean enabled,
            List<String> applicableConditions, List<String> command, String origin) {
        this(name, description, connectionSpec, enabled, applicableConditions, command, origin, Map.of());
    }
}
