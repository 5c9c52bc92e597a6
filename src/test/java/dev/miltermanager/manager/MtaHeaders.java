package dev.miltermanager.manager;

import dev.miltermanager.protocol.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * What an MTA (Sendmail's rules, no hidden header) makes of header edits: a plain model, written independently of
 * {@link HeaderList}, so tests can check that the edits the manager sends turn the original headers into the
 * chain's final list. Headers are {@code "Name: value"} strings.
 */
final class MtaHeaders {
    private MtaHeaders() {
    }

    /** The headers after applying {@code edits} (non-header edits are ignored). */
    static List<String> apply(List<String> original, List<? extends Response> edits) {
        List<String> headers = new ArrayList<>(original);
        for (Response edit : edits) {
            switch (edit) {
                case Response.AddHeader h -> headers.add(h.name() + ": " + h.value());
                case Response.InsertHeader h -> {
                    int at = h.index() < 0 || h.index() > headers.size() ? headers.size() : h.index();
                    headers.add(at, h.name() + ": " + h.value());
                }
                case Response.ChangeHeader h -> change(headers, h);
                default -> {
                }
            }
        }
        return headers;
    }

    private static void change(List<String> headers, Response.ChangeHeader h) {
        int wanted = Math.max(1, h.index());
        int seen = 0;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.get(i).substring(0, headers.get(i).indexOf(':'));
            if (name.equalsIgnoreCase(h.name()) && ++seen == wanted) {
                if (h.value().isEmpty()) {
                    headers.remove(i);
                } else {
                    headers.set(i, h.name() + ": " + h.value());
                }
                return;
            }
        }
        if (!h.value().isEmpty()) {
            headers.add(h.name() + ": " + h.value());
        }
    }
}
