package dev.miltermanager.milter;

import dev.miltermanager.protocol.Response;
import java.time.Duration;

/**
 * What every session of a server shares.
 *
 * @param spec the milter's declarations
 * @param factory makes the milter instances
 * @param failureVerdict the answer when a callback throws
 * @param ioTimeout how long a read (waiting for the MTA's next command) or a write may block
 */
record SessionSettings(MilterSpec spec, MilterFactory factory, Response.Decision failureVerdict,
        Duration ioTimeout) {
}
