// SPDX-License-Identifier: MIT
#include "redis/rediscommand.h"
#include "redis/respparser.h"

#include <QTest>

using dualscope::redis::RespParser;
using dualscope::redis::RespReply;

namespace {

// Feeds all bytes at once and collects every complete reply.
QList<RespReply> parseAll(const QByteArray &bytes, RespParser &parser)
{
    parser.feed(bytes);
    QList<RespReply> out;
    while (auto reply = parser.next())
        out.append(*reply);
    return out;
}

} // namespace

class TestRespParser final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesEachReplyType_data();
    void parsesEachReplyType();
    void parsesNestedArrays();
    void reassemblesReplySplitByteByByte();
    void parsesSeveralRepliesInOneFeed();
    void waitsForMoreBytes();
    void keepsBinaryBulkStrings();
    void rejectsNonRespPeer();
    void resetRecoversAfterError();
    void refusesHugeArrayHeader();
    void debugStringIsReadable();
    void formatCommandIsExact();
    void formatCommandIsBinarySafe();
    void appendCommandBuildsOnePipeline();
    void fastEncoderMatchesHiredis();
};

void TestRespParser::parsesEachReplyType_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<RespReply>("expected");

    QTest::newRow("status") << QByteArray("+OK\r\n") << RespReply::status("OK");
    QTest::newRow("error") << QByteArray("-WRONGPASS invalid username-password pair\r\n")
                           << RespReply::error("WRONGPASS invalid username-password pair");
    QTest::newRow("integer") << QByteArray(":1000\r\n") << RespReply::fromInteger(1000);
    QTest::newRow("negative integer") << QByteArray(":-42\r\n") << RespReply::fromInteger(-42);
    QTest::newRow("bulk string") << QByteArray("$5\r\nhello\r\n") << RespReply::string("hello");
    QTest::newRow("empty bulk string") << QByteArray("$0\r\n\r\n") << RespReply::string("");
    QTest::newRow("nil bulk string") << QByteArray("$-1\r\n") << RespReply::nil();
    QTest::newRow("nil array") << QByteArray("*-1\r\n") << RespReply::nil();
    QTest::newRow("empty array") << QByteArray("*0\r\n") << RespReply::array({});
    QTest::newRow("array") << QByteArray("*3\r\n$3\r\nfoo\r\n:7\r\n$-1\r\n")
                           << RespReply::array({RespReply::string("foo"), RespReply::fromInteger(7),
                                                RespReply::nil()});
}

void TestRespParser::parsesEachReplyType()
{
    QFETCH(QByteArray, bytes);
    QFETCH(RespReply, expected);
    // Given a parser, when the bytes of one reply arrive
    RespParser parser;
    const QList<RespReply> replies = parseAll(bytes, parser);
    // Then exactly that reply comes out
    QCOMPARE(replies.size(), 1);
    QCOMPARE(replies.first().toDebugString(), expected.toDebugString());
    QVERIFY(replies.first() == expected);
    QVERIFY(!parser.hasError());
}

void TestRespParser::parsesNestedArrays()
{
    // Given a pub/sub-like message nested in an array (what EXEC or pmessage look like)
    const QByteArray bytes = "*2\r\n*3\r\n$8\r\npmessage\r\n$8\r\nevents:*\r\n"
                             "*2\r\n:1\r\n+inner\r\n$4\r\ntail\r\n";
    RespParser parser;
    // When parsed
    const QList<RespReply> replies = parseAll(bytes, parser);
    // Then the tree is kept
    QCOMPARE(replies.size(), 1);
    const RespReply expected = RespReply::array(
        {RespReply::array(
             {RespReply::string("pmessage"), RespReply::string("events:*"),
              RespReply::array({RespReply::fromInteger(1), RespReply::status("inner")})}),
         RespReply::string("tail")});
    QCOMPARE(replies.first().toDebugString(), expected.toDebugString());
    QVERIFY(replies.first() == expected);
}

void TestRespParser::reassemblesReplySplitByteByByte()
{
    // Given a reply that arrives one byte per read
    const QByteArray bytes = "*2\r\n$6\r\nfoo\r\nb\r\n-ERR no\r\n";
    RespParser parser;
    QList<RespReply> replies;
    // When fed byte by byte
    for (const char c : bytes) {
        parser.feed(&c, 1);
        while (auto reply = parser.next())
            replies.append(*reply);
    }
    // Then it comes out once, complete, and the CRLF inside the bulk string is data
    QCOMPARE(replies.size(), 1);
    QVERIFY(replies.first() ==
            RespReply::array({RespReply::string("foo\r\nb"), RespReply::error("ERR no")}));
}

void TestRespParser::parsesSeveralRepliesInOneFeed()
{
    // Given three replies in one read, as after a pipeline
    RespParser parser;
    // When parsed
    const QList<RespReply> replies = parseAll("+OK\r\n:1\r\n$-1\r\n", parser);
    // Then all three come out in order
    QCOMPARE(replies.size(), 3);
    QVERIFY(replies.at(0).isStatus("OK"));
    QCOMPARE(replies.at(1).integer, 1);
    QVERIFY(replies.at(2).isNil());
}

void TestRespParser::waitsForMoreBytes()
{
    // Given half a bulk string
    RespParser parser;
    parser.feed(QByteArray("$10\r\nhello"));
    // Then there is no reply and no error yet
    QVERIFY(!parser.next());
    QVERIFY(!parser.hasError());
    // When the rest arrives, then the reply is complete
    parser.feed(QByteArray("world\r\n"));
    const auto reply = parser.next();
    QVERIFY(reply);
    QCOMPARE(reply->text, QByteArray("helloworld"));
}

void TestRespParser::keepsBinaryBulkStrings()
{
    // Given a bulk string holding NUL and CRLF
    const QByteArray payload("a\0b\r\nc", 6);
    RespParser parser;
    const QList<RespReply> replies = parseAll("$6\r\n" + payload + "\r\n", parser);
    // Then every byte is kept
    QCOMPARE(replies.size(), 1);
    QCOMPARE(replies.first().text, payload);
    QCOMPARE(replies.first().text.size(), 6);
}

void TestRespParser::rejectsNonRespPeer()
{
    // Given a peer that speaks HTTP
    RespParser parser;
    // When its answer is parsed
    const QList<RespReply> replies = parseAll("HTTP/1.1 200 OK\r\n", parser);
    // Then there is no reply but a protocol error, and more input changes nothing
    QVERIFY(replies.isEmpty());
    QVERIFY(parser.hasError());
    QVERIFY2(parser.errorString().contains(QLatin1String("Protocol error")),
             qPrintable(parser.errorString()));
    parser.feed(QByteArray("+OK\r\n"));
    QVERIFY(!parser.next());
    QVERIFY(parser.hasError());
}

void TestRespParser::resetRecoversAfterError()
{
    // Given a parser in error
    RespParser parser;
    parseAll("garbage\r\n", parser);
    QVERIFY(parser.hasError());
    // When reset for a new connection
    parser.reset();
    // Then it parses again
    QVERIFY(!parser.hasError());
    const QList<RespReply> replies = parseAll("+PONG\r\n", parser);
    QCOMPARE(replies.size(), 1);
    QVERIFY(replies.first().isStatus("PONG"));
}

void TestRespParser::refusesHugeArrayHeader()
{
    // Given a peer whose ten-byte array header would ask hiredis for 1.6 GB up front
    RespParser parser;
    // When it is parsed
    const QList<RespReply> replies = parseAll("*200000000\r\n:1\r\n", parser);
    // Then the parser refuses it with the count and the limit, and still parses after a reset
    QVERIFY(replies.isEmpty());
    QVERIFY(parser.hasError());
    QVERIFY2(parser.errorString().contains(QLatin1String("200000000 elements")),
             qPrintable(parser.errorString()));
    parser.reset();
    QVERIFY(!parser.hasError());
    const QList<RespReply> after = parseAll("*2\r\n:1\r\n:2\r\n", parser);
    QCOMPARE(after.size(), 1);
    QCOMPARE(after.first().elements.size(), 2);
}

void TestRespParser::debugStringIsReadable()
{
    QCOMPARE(RespReply::status("OK").toDebugString(), QStringLiteral("OK"));
    QCOMPARE(RespReply::error("ERR x").toDebugString(), QStringLiteral("(error) ERR x"));
    QCOMPARE(RespReply::error("WRONGPASS invalid").errorCode(), QByteArray("WRONGPASS"));
    QCOMPARE(RespReply::fromInteger(3).toDebugString(), QStringLiteral("(integer) 3"));
    QCOMPARE(RespReply::string(QByteArray("a\"\r\n\0", 5)).toDebugString(),
             QStringLiteral("\"a\\\"\\r\\n\\x00\""));
    QCOMPARE(RespReply::nil().toDebugString(), QStringLiteral("(nil)"));
    QCOMPARE(RespReply::array({RespReply::string("a"), RespReply::fromInteger(1)}).toDebugString(),
             QStringLiteral("[1) \"a\", 2) (integer) 1]"));
}

void TestRespParser::formatCommandIsExact()
{
    // Given a known command, when formatted, then the bytes are RESP bulk strings
    QCOMPARE(dualscope::redis::formatCommand({"SET", "key", "value"}),
             QByteArray("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"));
    QCOMPARE(dualscope::redis::formatCommand({"PING"}), QByteArray("*1\r\n$4\r\nPING\r\n"));
    QCOMPARE(dualscope::redis::formatCommand({"SET", "k", ""}),
             QByteArray("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"));
    QVERIFY(dualscope::redis::formatCommand({}).isEmpty());
}

void TestRespParser::formatCommandIsBinarySafe()
{
    // Given arguments holding NUL and CRLF
    const QByteArray withNul("a\0b", 3);
    const QByteArray withCrlf("x\r\ny");
    // When formatted, then lengths count every byte and nothing is escaped
    const QByteArray expected = QByteArray("*3\r\n$7\r\nPUBLISH\r\n$3\r\n") + withNul +
                                QByteArray("\r\n$4\r\n") + withCrlf + QByteArray("\r\n");
    QCOMPARE(dualscope::redis::formatCommand({"PUBLISH", withNul, withCrlf}), expected);
}

void TestRespParser::appendCommandBuildsOnePipeline()
{
    // Given an empty buffer, when two commands are appended
    QByteArray out;
    dualscope::redis::appendCommand(out, {"PUBLISH", "events:user:1", "{\"id\":\"1\"}"});
    dualscope::redis::appendCommand(out, {"PING"});
    // Then the buffer is both encodings back to back
    QCOMPARE(out,
             QByteArray("*3\r\n$7\r\nPUBLISH\r\n$13\r\nevents:user:1\r\n$10\r\n{\"id\":\"1\"}\r\n"
                        "*1\r\n$4\r\nPING\r\n"));
}

void TestRespParser::fastEncoderMatchesHiredis()
{
    // Given commands with empty, binary, long (multi-digit lengths) arguments
    const QByteArray withNul("a\0b", 3);
    const QByteArray longArg(12345, 'x');
    const QList<QList<QByteArray>> commands{
        {"PING"}, {"SET", "k", ""}, {"PUBLISH", withNul, "x\r\ny"}, {"PUBLISH", "c", longArg}};
    for (const QList<QByteArray> &argv : commands) {
        // When encoded by hiredis (QList overload) and by the hot-path encoder
        QByteArray viaHiredis;
        dualscope::redis::appendCommand(viaHiredis, argv);
        QByteArray fast = "prefix";
        if (argv.size() == 1)
            dualscope::redis::appendCommand(fast, {QByteArrayView(argv[0])});
        else
            dualscope::redis::appendCommand(
                fast, {QByteArrayView(argv[0]), QByteArrayView(argv[1]), QByteArrayView(argv[2])});
        // Then the bytes are identical
        QCOMPARE(fast, "prefix" + viaHiredis);
    }
}

QTEST_APPLESS_MAIN(TestRespParser)
#include "tst_respparser.moc"
