package dev.miltermanager.milter;

import dev.miltermanager.protocol.Stage;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where a milter conversation stands, with the moves libmilter allows between states. The table is libmilter's
 * ({@code next_states} in its engine): a move that is not listed may still be made by passing over the states
 * of events the milter asked not to receive, in declaration order, as libmilter does.
 */
enum SessionState {
    INIT(null),
    OPTIONS(null),
    CONNECT(Stage.CONNECT),
    HELO(Stage.HELO),
    MAIL(Stage.MAIL),
    RCPT(Stage.RCPT),
    DATA(Stage.DATA),
    HEADERS(Stage.HEADER),
    EOH(Stage.EOH),
    BODY(Stage.BODY),
    EOM(null),
    QUIT(null),
    ABORT(null),
    UNKNOWN(Stage.UNKNOWN),
    QUIT_NEW_CONNECTION(null);

    private final Stage stage;
    private Set<SessionState> next;

    SessionState(Stage stage) {
        this.stage = stage;
    }

    static {
        INIT.next = EnumSet.of(OPTIONS);
        OPTIONS.next = EnumSet.of(CONNECT, UNKNOWN);
        CONNECT.next = EnumSet.of(HELO, MAIL, UNKNOWN);
        HELO.next = EnumSet.of(HELO, MAIL, UNKNOWN);
        MAIL.next = EnumSet.of(RCPT, ABORT, UNKNOWN);
        RCPT.next = EnumSet.of(HEADERS, EOH, DATA, BODY, EOM, RCPT, ABORT, UNKNOWN);
        DATA.next = EnumSet.of(EOH, HEADERS, ABORT);
        HEADERS.next = EnumSet.of(EOH, HEADERS, ABORT);
        EOH.next = EnumSet.of(BODY, EOM, ABORT);
        BODY.next = EnumSet.of(EOM, BODY, ABORT);
        EOM.next = EnumSet.of(QUIT, MAIL, UNKNOWN, QUIT_NEW_CONNECTION);
        QUIT.next = EnumSet.noneOf(SessionState.class);
        ABORT.next = EnumSet.noneOf(SessionState.class);
        UNKNOWN.next = EnumSet.of(HELO, MAIL, RCPT, DATA, BODY, UNKNOWN, ABORT, QUIT, QUIT_NEW_CONNECTION);
        QUIT_NEW_CONNECTION.next = EnumSet.of(CONNECT, UNKNOWN);
    }

    /**
     * Whether {@code target} may follow this state, directly or by passing over following states whose events
     * the milter does not receive.
     *
     * @param passedOver whether the milter asked not to receive an event
     */
    boolean allows(SessionState target, Predicate<Stage> passedOver) {
        SessionState at = this;
        while (true) {
            if (at.next.contains(target)) {
                return true;
            }
            int following = at.ordinal() + 1;
            if (following >= values().length) {
                return false;
            }
            SessionState skipped = values()[following];
            if (skipped.stage == null || !passedOver.test(skipped.stage)) {
                return false;
            }
            at = skipped;
        }
    }
}
