-- Several messages on one connection: complete ones, ones abandoned with ABORT, unknown commands between and
-- inside messages, an ABORT after a completed message (as Postfix sends one), and a second HELO. The Java milter
-- adds "X-Message: <n>" to message n; the Java test checks the exact callbacks.
local conn = open()
expect(conn, "connect", mt.conninfo(conn, "client.example", "192.0.2.1"), SMFIR_CONTINUE)
expect(conn, "helo", mt.helo(conn, "client.example"), SMFIR_CONTINUE)

local function begin(n, recipients)
  expect(conn, "mail " .. n, mt.mailfrom(conn, "<sender" .. n .. "@example.org>"), SMFIR_CONTINUE)
  for _, rcpt in ipairs(recipients) do
    expect(conn, "rcpt " .. rcpt, mt.rcptto(conn, rcpt), SMFIR_CONTINUE)
  end
end

local function finish(n, bodies)
  expect(conn, "data " .. n, mt.data(conn), SMFIR_CONTINUE)
  expect(conn, "header " .. n, mt.header(conn, "Subject", "message " .. n), SMFIR_CONTINUE)
  expect(conn, "eoh " .. n, mt.eoh(conn), SMFIR_CONTINUE)
  for _, body in ipairs(bodies) do
    expect(conn, "body " .. n, mt.bodystring(conn, body), SMFIR_CONTINUE)
  end
  expect(conn, "eom " .. n, mt.eom(conn), SMFIR_CONTINUE)
  eom_has(conn, "X-Message: " .. n, MT_HDRADD, "X-Message", tostring(n))
end

-- 1: complete.
begin(1, { "<a@example.net>" })
finish(1, { "first\r\n" })

-- 2: abandoned after its first header.
begin(2, { "<a@example.net>" })
expect(conn, "data 2", mt.data(conn), SMFIR_CONTINUE)
expect(conn, "header 2", mt.header(conn, "Subject", "message 2"), SMFIR_CONTINUE)
ok("abort 2", mt.abort(conn))

-- An unknown command between messages.
expect(conn, "unknown between", mt.unknown(conn, "XPING between"), SMFIR_CONTINUE)

-- 3: two recipients, an unknown command after them, two body chunks; message 1's header is not repeated.
begin(3, { "<b@example.net>", "<c@example.net>" })
expect(conn, "unknown inside", mt.unknown(conn, "XNOTE inside"), SMFIR_CONTINUE)
finish(3, { "part one\r\n", "part two\r\n" })
eom_lacks(conn, "X-Message: 1 again", MT_HDRADD, "X-Message", "1")

-- 4: abandoned right after MAIL.
begin(4, {})
ok("abort 4", mt.abort(conn))

-- 5: complete, then an ABORT with no message open, which the milter must not see.
begin(5, { "<d@example.net>" })
finish(5, { "fifth\r\n" })
ok("abort after 5", mt.abort(conn))

-- A second HELO, then message 6.
expect(conn, "helo again", mt.helo(conn, "again.example"), SMFIR_CONTINUE)
begin(6, { "<e@example.net>" })
finish(6, { "sixth\r\n" })

close(conn)
