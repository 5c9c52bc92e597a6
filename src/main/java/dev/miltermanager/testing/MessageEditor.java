package dev.miltermanager.testing;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.TestMessage.HeaderField;
import dev.miltermanager.testing.TestMessage.Recipient;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies a milter's end-of-message edits to a message as the MTA of a profile does.
 *
 * <ul>
 * <li>{@code h} appends; {@code i} inserts at the index on the full list, the MTA's hidden header counted (Postfix
 *     counts the headers as delivered, so 0 lands above its own {@code Received:}); past the end appends.</li>
 * <li>{@code m} finds the index-th header of that name (ASCII case ignored; index 0 taken as 1): an empty value
 *     deletes it, another replaces it, and past the count a non-empty value is appended. Postfix starts counting
 *     after the first header physically present (its own {@code Received:} until something is inserted above
 *     it), as {@code cleanup_milter.c} does.</li>
 * <li>A header value from a session without HDR_LEADSPC is stored as is; with it, one leading space is dropped
 *     (the value then carries the space the MTA would otherwise add).</li>
 * <li>{@code e} changes the sender; {@code +}/{@code 2} append a recipient; {@code -} removes the recipient written
 *     the same (angle brackets optional); {@code b} pieces replace the body; {@code q} is not an edit of the
 *     message.</li>
 * </ul>
 * Not thread-safe.
 */
final class MessageEditor {
    private final MtaProfile profile;
    private final boolean leadingSpace;
    private String sender;
    private List<String> senderArgs;
    private final List<Recipient> recipients;
    private final List<HeaderField> headers = new ArrayList<>();
    private int mtaHeaderIndex = -1;
    private byte[] body;
    private ByteArrayOutputStream replacedBody;

    MessageEditor(MtaProfile profile, boolean leadingSpace, TestMessage message, List<Recipient> accepted,
            HeaderField mtaHeader) {
        this.profile = profile;
        this.leadingSpace = leadingSpace;
        this.sender = message.sender();
        this.senderArgs = message.senderArgs();
        this.recipients = new ArrayList<>(accepted);
        if (mtaHeader != null) {
            headers.add(mtaHeader);
            mtaHeaderIndex = 0;
        }
        headers.addAll(message.headers());
        this.body = message.body();
    }

    void apply(Response.Modification edit) {
        switch (edit) {
            case Response.AddHeader a -> headers.add(new HeaderField(a.name(), value(a.value())));
            case Response.InsertHeader i -> insert(i.index(), new HeaderField(i.name(), value(i.value())));
            case Response.ChangeHeader c -> change(c);
            case Response.ChangeFrom c -> {
                sender = c.sender();
                senderArgs = c.esmtpArgs().isBlank() ? List.of() : List.of(c.esmtpArgs().trim().split(" +"));
            }
            case Response.AddRecipient a -> recipients.add(new Recipient(a.recipient(), List.of()));
            case Response.AddRecipientWithArgs a -> recipients.add(new Recipient(a.recipient(),
                    a.esmtpArgs().isBlank() ? List.of() : List.of(a.esmtpArgs().trim().split(" +"))));
            case Response.DeleteRecipient d -> recipients.removeIf(r -> sameAddress(r.address(), d.recipient()));
            case Response.ReplaceBody b -> {
                if (replacedBody == null) {
                    replacedBody = new ByteArrayOutputStream();
                }
                replacedBody.writeBytes(b.toByteArray());
            }
            case Response.Quarantine q -> { }
        }
    }

    private String value(String raw) {
        return leadingSpace && raw.startsWith(" ") ? raw.substring(1) : raw;
    }

    private void insert(int index, HeaderField header) {
        int at = index < 0 || index > headers.size() ? headers.size() : index;
        headers.add(at, header);
        if (mtaHeaderIndex >= at) {
            mtaHeaderIndex++;
        }
    }

    private void change(Response.ChangeHeader change) {
        long wanted = Math.max(1, Integer.toUnsignedLong(change.index()));
        int first = profile.hidesReceivedHeader() && !headers.isEmpty() ? 1 : 0;
        int found = -1;
        long seen = 0;
        for (int i = first; i < headers.size(); i++) {
            if (headers.get(i).name().equalsIgnoreCase(change.name()) && ++seen == wanted) {
                found = i;
                break;
            }
        }
        String value = value(change.value());
        if (found < 0) {
            if (!change.value().isEmpty()) {
                headers.add(new HeaderField(change.name(), value));
            }
        } else if (change.value().isEmpty()) {
            headers.remove(found);
            if (mtaHeaderIndex > found) {
                mtaHeaderIndex--;
            } else if (mtaHeaderIndex == found) {
                mtaHeaderIndex = -1;
            }
        } else {
            headers.set(found, new HeaderField(change.name(), value));
        }
    }

    private static boolean sameAddress(String a, String b) {
        return strip(a).equalsIgnoreCase(strip(b));
    }

    private static String strip(String address) {
        String s = address.trim();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }

    AppliedMessage result() {
        byte[] finalBody = replacedBody == null ? body : replacedBody.toByteArray();
        return new AppliedMessage(sender, senderArgs, recipients, headers, mtaHeaderIndex,
                Arrays.copyOf(finalBody, finalBody.length));
    }
}
