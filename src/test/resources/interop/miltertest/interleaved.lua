-- Two connections at once, their commands interleaved: each gets its own milter instance, whose end-of-message
-- changes name its own client and count its own messages ("X-Client: <host>", "X-Message: <n>").
local a, b = open(), open()
expect(a, "connect a", mt.conninfo(a, "a.example", "192.0.2.10"), SMFIR_CONTINUE)
expect(b, "connect b", mt.conninfo(b, "b.example", "192.0.2.11"), SMFIR_CONTINUE)
expect(b, "helo b", mt.helo(b, "b.example"), SMFIR_CONTINUE)
expect(a, "helo a", mt.helo(a, "a.example"), SMFIR_CONTINUE)

-- a sends two messages while b sends one.
for n = 1, 2 do
  expect(a, "mail a" .. n, mt.mailfrom(a, "<a" .. n .. "@example.org>"), SMFIR_CONTINUE)
  if n == 1 then
    expect(b, "mail b", mt.mailfrom(b, "<b@example.org>"), SMFIR_CONTINUE)
    expect(b, "rcpt b", mt.rcptto(b, "<rcpt@example.net>"), SMFIR_CONTINUE)
  end
  expect(a, "rcpt a" .. n, mt.rcptto(a, "<rcpt@example.net>"), SMFIR_CONTINUE)
  expect(a, "data a" .. n, mt.data(a), SMFIR_CONTINUE)
  expect(a, "header a" .. n, mt.header(a, "Subject", "a" .. n), SMFIR_CONTINUE)
  expect(a, "eoh a" .. n, mt.eoh(a), SMFIR_CONTINUE)
  expect(a, "body a" .. n, mt.bodystring(a, "from a\r\n"), SMFIR_CONTINUE)
  expect(a, "eom a" .. n, mt.eom(a), SMFIR_CONTINUE)
  eom_has(a, "X-Client: a.example", MT_HDRADD, "X-Client", "a.example")
  eom_has(a, "X-Message: " .. n, MT_HDRADD, "X-Message", tostring(n))
end

expect(b, "data b", mt.data(b), SMFIR_CONTINUE)
expect(b, "header b", mt.header(b, "Subject", "b"), SMFIR_CONTINUE)
expect(b, "eoh b", mt.eoh(b), SMFIR_CONTINUE)
expect(b, "body b", mt.bodystring(b, "from b\r\n"), SMFIR_CONTINUE)
expect(b, "eom b", mt.eom(b), SMFIR_CONTINUE)
eom_has(b, "X-Client: b.example", MT_HDRADD, "X-Client", "b.example")
eom_has(b, "X-Message: 1", MT_HDRADD, "X-Message", "1")

close(a)
close(b)
