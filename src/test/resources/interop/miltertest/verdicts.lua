-- Every verdict at every stage, one connection each. The Java milter (InstructedMilter) takes its instruction
-- from the client host name given at connect: "rcpt.reject.test" means REJECT at the first recipient and
-- CONTINUE everywhere else. After the verdict the script checks that the conversation goes on as libmilter's
-- would: a verdict at CONNECT or HELO, and SHUTDOWN anywhere, settles the session (the script hangs up); one at
-- a recipient or an unknown command refuses only that command; one anywhere else ends the message, and the same
-- connection then carries a whole new message answered CONTINUE throughout.
--
-- For each connection the script prints "SENT <host>: <command> ..." listing the commands it sent; the Java test
-- checks that the milter saw exactly these callbacks, in this order, and then close.
local STAGES = { "connect", "helo", "unknown", "mail", "rcpt", "data", "header", "eoh", "body", "eom" }
local VERDICTS = { "continue", "accept", "reject", "tempfail", "discard", "skip", "reply", "tempreply", "shutdown" }

-- A custom SMTP reply ("reply" is 550 5.7.1, "tempreply" 451 4.7.1) goes out as SMFIR_REPLYCODE instead of
-- REJECT or TEMPFAIL. SKIP goes out only from the body; elsewhere the milter layer sends CONTINUE instead.
-- miltertest has no constant for SHUTDOWN ('4').
local function wire(stage, verdict)
  local codes = {
    continue = SMFIR_CONTINUE, accept = SMFIR_ACCEPT, reject = SMFIR_REJECT, tempfail = SMFIR_TEMPFAIL,
    discard = SMFIR_DISCARD, reply = SMFIR_REPLYCODE, tempreply = SMFIR_REPLYCODE,
    skip = stage == "body" and SMFIR_SKIP or SMFIR_CONTINUE, shutdown = string.byte("4"),
  }
  return codes[verdict]
end

-- What the verdict settles: "session", "command", "message", or nil when the conversation simply goes on.
local function settles(stage, verdict)
  if verdict == "continue" or verdict == "skip" then
    return nil
  elseif verdict == "shutdown" or stage == "connect" or stage == "helo" then
    return "session"
  elseif stage == "unknown" or (stage == "rcpt" and verdict ~= "accept") then
    return "command"
  end
  return "message"
end

-- The commands of one connection, in order: connect, HELO, an unknown command, then one message.
local function commands(conn, host)
  return {
    { "connect", function() return mt.conninfo(conn, host, "192.0.2.1") end },
    { "helo", function() return mt.helo(conn, "client.example") end },
    { "unknown", function() return mt.unknown(conn, "XSTAGE probe") end },
    { "mail", function() return mt.mailfrom(conn, "<sender@example.org>") end },
    { "rcpt", function() return mt.rcptto(conn, "<first@example.net>") end },
    { "data", function() return mt.data(conn) end },
    { "header", function() return mt.header(conn, "Subject", "verdicts") end },
    { "eoh", function() return mt.eoh(conn) end },
    { "body", function() return mt.bodystring(conn, "Hello, milter.\r\n") end },
    { "eom", function() return mt.eom(conn) end },
  }
end

local function run(stage, verdict)
  local host = stage .. "." .. verdict .. ".test"
  local settled = settles(stage, verdict)
  local conn = open()
  local sent = {}
  local pending = true

  -- Sends one command; the first command of the instructed stage must get the verdict, every other CONTINUE.
  local function step(name, call)
    local wanted = SMFIR_CONTINUE
    if pending and name == stage then
      wanted = wire(stage, verdict)
      pending = false
    end
    table.insert(sent, name)
    expect(conn, host .. ": " .. name .. " #" .. #sent, call(), wanted)
  end

  for _, command in ipairs(commands(conn, host)) do
    local name = command[1]
    step(name, command[2])
    if name == "eom" and stage == "eom" and verdict == "reply" then
      -- Only at end of message does miltertest keep the text of a reply code.
      eom_has(conn, "550 5.7.1 Refused at eom", MT_SMTPREPLY, "550", "5.7.1", "Refused at eom")
    elseif name == "eom" and stage == "eom" and verdict == "tempreply" then
      eom_has(conn, "451 4.7.1 Try eom later", MT_SMTPREPLY, "451", "4.7.1", "Try eom later")
    end
    if name == stage and settled == "session" then
      -- Hang up. (After SHUTDOWN inside a message the milter gets no abort: its verdict ended the message.)
      break
    elseif name == stage and settled == "message" then
      -- The same connection carries a whole new message, answered CONTINUE throughout.
      for i = 4, 10 do
        local again = commands(conn, host)[i]
        step(again[1], again[2])
      end
      break
    elseif name == "rcpt" and stage == "rcpt" and settled == "command" then
      step("rcpt", function() return mt.rcptto(conn, "<second@example.net>") end)
    end
  end

  close(conn)
  mt.echo("SENT " .. host .. ": " .. table.concat(sent, " "))
end

for _, stage in ipairs(STAGES) do
  for _, verdict in ipairs(VERDICTS) do
    -- SHUTDOWN at end of message is left out: miltertest keeps reading end-of-message packets until a
    -- CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD or REPLYCODE, so it would wait past the '4' until it times out.
    if not (stage == "eom" and verdict == "shutdown") then
      run(stage, verdict)
    end
  end
end
