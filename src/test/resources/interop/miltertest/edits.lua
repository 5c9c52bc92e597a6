-- Every end-of-message change, checked with mt.eom_check, then custom SMTP replies at end of message; all on one
-- connection. The Java milter makes these changes for message 1 and replies for messages 2 and 3
-- (MiltertestDrivesJavaMilterTest).
--
-- miltertest reads each end-of-message packet into a 1024-byte stack buffer and crashes on a larger one (a
-- replaced body of 1100 bytes: "stack smashing detected"), so a body replacement split over several 65535-byte
-- packets cannot be checked here (milter/EndOfMessageTest covers it).
local conn = open()
expect(conn, "connect", mt.conninfo(conn, "client.example", "192.0.2.1"), SMFIR_CONTINUE)
expect(conn, "helo", mt.helo(conn, "client.example"), SMFIR_CONTINUE)

local function send_message(sender)
  expect(conn, "mail " .. sender, mt.mailfrom(conn, sender), SMFIR_CONTINUE)
  expect(conn, "rcpt kept", mt.rcptto(conn, "<kept@example.net>"), SMFIR_CONTINUE)
  expect(conn, "rcpt gone", mt.rcptto(conn, "<gone@example.net>"), SMFIR_CONTINUE)
  expect(conn, "data", mt.data(conn), SMFIR_CONTINUE)
  expect(conn, "header From", mt.header(conn, "From", "Sender <sender@example.org>"), SMFIR_CONTINUE)
  expect(conn, "header Subject", mt.header(conn, "Subject", "original subject"), SMFIR_CONTINUE)
  expect(conn, "header X-Spam 1", mt.header(conn, "X-Spam", "first"), SMFIR_CONTINUE)
  expect(conn, "header X-Spam 2", mt.header(conn, "X-Spam", "second"), SMFIR_CONTINUE)
  expect(conn, "eoh", mt.eoh(conn), SMFIR_CONTINUE)
  expect(conn, "body", mt.bodystring(conn, "Original body.\r\n"), SMFIR_CONTINUE)
end

-- Message 1: every kind of change, then CONTINUE.
send_message("<one@example.org>")
expect(conn, "eom 1", mt.eom(conn), SMFIR_CONTINUE)

eom_has(conn, "header X-Added: first", MT_HDRADD, "X-Added", "first")
eom_has(conn, "header X-Added: second", MT_HDRADD, "X-Added", "second")
eom_has(conn, "some added X-Added", MT_HDRADD, "X-Added")
eom_lacks(conn, "header X-Added: third", MT_HDRADD, "X-Added", "third")
-- mt.getheader counts the added headers from the last one back: 0 is the latest.
if mt.getheader(conn, "X-Added", 0) ~= "second" or mt.getheader(conn, "X-Added", 1) ~= "first" then
  error("mt.getheader: X-Added values are " .. tostring(mt.getheader(conn, "X-Added", 0)) .. ", "
        .. tostring(mt.getheader(conn, "X-Added", 1)))
end

eom_has(conn, "X-Inserted at index 0", MT_HDRINSERT, "X-Inserted", "at the top", 0)
eom_lacks(conn, "X-Inserted at index 1", MT_HDRINSERT, "X-Inserted", "at the top", 1)

-- (With a third argument, miltertest takes the index from the value argument, so only name and value are checked.)
eom_has(conn, "Subject changed", MT_HDRCHANGE, "Subject", "changed subject")
eom_lacks(conn, "Subject changed to something else", MT_HDRCHANGE, "Subject", "other")

eom_has(conn, "the second X-Spam deleted", MT_HDRDELETE, "X-Spam", 2)
eom_lacks(conn, "the first X-Spam deleted", MT_HDRDELETE, "X-Spam", 1)
eom_lacks(conn, "Subject deleted", MT_HDRDELETE, "Subject")

-- The recipient with ESMTP arguments travels as SMFIR_ADDRCPT_PAR, which mt.eom_check cannot see; that miltertest
-- still reads the changes after it and the final CONTINUE shows the packet is well formed. The same holds for the
-- change of sender (SMFIR_CHGFROM) and the progress packet.
eom_has(conn, "recipient added", MT_RCPTADD, "<added@example.net>")
eom_lacks(conn, "recipient with arguments seen as a plain one", MT_RCPTADD, "<with-args@example.net>")
eom_has(conn, "recipient deleted", MT_RCPTDELETE, "<gone@example.net>")
eom_lacks(conn, "kept recipient deleted", MT_RCPTDELETE, "<kept@example.net>")

eom_has(conn, "some body replacement", MT_BODYCHANGE)
eom_has(conn, "the body replaced in one packet", MT_BODYCHANGE, "Replaced body.\r\nSecond line.\r\n")
eom_lacks(conn, "the body replaced by the original", MT_BODYCHANGE, "Original body.\r\n")

eom_has(conn, "quarantine", MT_QUARANTINE)
eom_has(conn, "quarantine with its reason", MT_QUARANTINE, "held for review")
eom_lacks(conn, "quarantine with another reason", MT_QUARANTINE, "other")

-- Message 2: a multi-line 550 reply. With one argument miltertest compares it with the whole reply text; the
-- milter layer doubles the '%' on the wire, as Sendmail requires.
send_message("<two@example.org>")
expect(conn, "eom 2", mt.eom(conn), SMFIR_REPLYCODE)
eom_has(conn, "the multi-line reply", MT_SMTPREPLY,
        "550-5.7.1 Not this one,\r\n550 5.7.1 not at 100%% either")
eom_lacks(conn, "the changes of message 1", MT_HDRADD)

-- Message 3: a 451 reply, checked as code, enhanced code and text.
send_message("<three@example.org>")
expect(conn, "eom 3", mt.eom(conn), SMFIR_REPLYCODE)
eom_has(conn, "451 4.3.0 Busy", MT_SMTPREPLY, "451", "4.3.0", "Busy")
eom_lacks(conn, "a 550 reply", MT_SMTPREPLY, "550", "4.3.0", "Busy")

close(conn)
