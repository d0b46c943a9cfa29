// SPDX-License-Identifier: MIT
#include "event/eventcodec.h"

#include <QTest>

using namespace dualscope::event;

class TestEventCodec final : public QObject
{
    Q_OBJECT

private:
    static Event sampleEvent()
    {
        Event event;
        event.id = "evt-1";
        event.type = "push";
        event.sourceType = "repo";
        event.sourceId = "owner/repo";
        event.timestampMs = 1'795'791'845'123; // 2026-11-27T15:04:05.123Z
        event.payloadJson = R"({"ref":"main","commits":3})";
        return event;
    }

private slots:
    void timestampRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("contract example")
            << QByteArray("2026-11-27T15:04:05.123Z") << qint64(1'795'791'845'123);
        QTest::newRow("epoch") << QByteArray("1970-01-01T00:00:00.000Z") << qint64(0);
        QTest::newRow("leap day") << QByteArray("2024-02-29T23:59:59.999Z")
                                  << qint64(1'709'251'199'999);
    }
    void timestampRoundTrip()
    {
        QFETCH(QByteArray, text);
        QFETCH(qint64, ms);
        QCOMPARE(formatTimestamp(ms), text);
        qint64 parsed = -1;
        QVERIFY(parseTimestamp(text, &parsed));
        QCOMPARE(parsed, ms);
    }

    void timestampForms()
    {
        qint64 ms = 0;
        QVERIFY(parseTimestamp("2026-11-27T16:04:05+01:00", &ms));
        QCOMPARE(ms, qint64(1'795'791'845'000));
        QVERIFY(parseTimestamp("2026-11-27T15:04:05.1234567Z", &ms));
        QCOMPARE(ms, qint64(1'795'791'845'123));
        QVERIFY(!parseTimestamp("2026-02-30T00:00:00Z", &ms));
        QVERIFY(!parseTimestamp("2026-11-27", &ms));
        QVERIFY(!parseTimestamp("2026-11-27T15:04:05", &ms)); // no zone: ambiguous
        QVERIFY(!parseTimestamp("2026-11-27T15:04:05Zjunk", &ms));
    }

    void decodeKeepsThePayloadByteForByte()
    {
        // given a payload with numbers a double cannot hold, and its own spacing
        const QByteArray payload =
            "{ \"big\": 9999999999999999999999999, \"tiny\": 0e-57, \"pi\": 3.14159265358979323846,"
            " \"nested\": [1, {\"k\": \"\\u00e9\"}] }";
        const QByteArray json = R"({"id":"e","type":"t","source_type":"s","source_id":"x",)"
                                R"("timestamp":"2026-11-27T15:04:05.123Z","payload":)" +
                                payload + "}";
        // when decoded, then the payload is the same text, not a rewriting of it
        CodecError error;
        const std::optional<Event> event = decodeEvent(json, &error);
        QVERIFY2(event, qPrintable(error.message));
        QCOMPARE(event->payloadJson, payload);
        // and an escaped lone surrogate in a text field is refused by name
        const QByteArray lone = R"({"id":"\udc00","type":"t","source_type":"s","source_id":"x",)"
                                R"("timestamp":"2026-11-27T15:04:05.123Z","payload":{}})";
        QVERIFY(!decodeEvent(lone, &error));
        QCOMPARE(error.field, QStringLiteral("id"));
    }

    void encodeThenDecodeKeepsEveryField()
    {
        // given an event
        const Event event = sampleEvent();
        // when it is encoded and decoded
        QByteArray json;
        CodecError error;
        QVERIFY2(encodeEvent(event, &json, &error), qPrintable(error.message));
        const std::optional<Event> decoded = decodeEvent(json, &error);
        // then every field survives
        QVERIFY2(decoded, qPrintable(error.message));
        QCOMPARE(decoded->id, event.id);
        QCOMPARE(decoded->type, event.type);
        QCOMPARE(decoded->sourceType, event.sourceType);
        QCOMPARE(decoded->sourceId, event.sourceId);
        QCOMPARE(decoded->timestampMs, event.timestampMs);
        QCOMPARE(decoded->payloadJson, event.payloadJson);
        QVERIFY(json.contains(R"("timestamp":"2026-11-27T15:04:05.123Z")"));
    }

    void notificationHoldsIdsOnly()
    {
        const QByteArray json = encodeNotification(notificationFor(sampleEvent()));
        QCOMPARE(json, QByteArray(R"({"id":"evt-1","type":"push","source_id":"owner/repo"})"));
        CodecError error;
        const auto decoded = decodeNotification(json, &error);
        QVERIFY(decoded);
        QCOMPARE(decoded->sourceId, QByteArray("owner/repo"));
    }

    void badEventsAreRefusedNamingTheField_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("messagePart");
        const QByteArray good =
            R"("type":"t","source_type":"s","source_id":"x","timestamp":"2026-11-27T15:04:05.123Z")";
        QTest::newRow("not json") << QByteArray("{\"id\": ") << QString() << "not valid JSON";
        QTest::newRow("trailing garbage")
            << QByteArray("{\"id\":\"a\"} x") << QString() << "not valid JSON";
        QTest::newRow("array root") << QByteArray("[1,2]") << QString() << "expected a JSON object";
        QTest::newRow("invalid utf-8")
            << QByteArray("{\"id\":\"\xff\xfe\"," + good + "}") << QString() << "not valid JSON";
        QTest::newRow("raw control char")
            << QByteArray("{\"id\":\"a\x01\"," + good + "}") << QString() << "not valid JSON";
        QTest::newRow("escaped control char")
            << QByteArray("{\"id\":\"a\\u0007\"," + good + "}") << "id"
            << "control character";
        QTest::newRow("missing id") << QByteArray("{" + good + "}") << "id"
                                    << "missing";
        QTest::newRow("empty id") << QByteArray("{\"id\":\"\"," + good + "}") << "id"
                                  << "empty";
        QTest::newRow("id a number") << QByteArray("{\"id\":42," + good + "}") << "id"
                                     << "must be a string, got a number";
        QTest::newRow("source_id null")
            << QByteArray(
                   R"({"id":"a","type":"t","source_type":"s","source_id":null,"timestamp":"2026-11-27T15:04:05Z"})")
            << "source_id"
            << "got null";
        QTest::newRow("bad timestamp")
            << QByteArray(
                   R"({"id":"a","type":"t","source_type":"s","source_id":"x","timestamp":"yesterday"})")
            << "timestamp"
            << "ISO 8601";
        QTest::newRow("payload an array")
            << QByteArray("{\"id\":\"a\"," + good + ",\"payload\":[1]}") << "payload"
            << "must be an object";
        QTest::newRow("empty input") << QByteArray() << QString() << "not valid JSON";
    }
    void badEventsAreRefusedNamingTheField()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, messagePart);
        CodecError error;
        QVERIFY(!decodeEvent(json, &error));
        QCOMPARE(error.field, field);
        QVERIFY2(error.message.contains(messagePart), qPrintable(error.message));
    }

    void syntaxErrorSaysWhere()
    {
        CodecError error;
        QVERIFY(!decodeEvent("{\n  \"id\": \"a\",\n  \"type\" \"t\"\n}", &error));
        QVERIFY2(error.message.contains(QLatin1String("line 3")), qPrintable(error.message));
        QVERIFY(error.offset > 0);
    }

    void encodeRefusesBadFields_data()
    {
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<QByteArray>("sourceId");
        QTest::addColumn<QString>("field");
        QTest::newRow("empty id") << QByteArray() << QByteArray("x") << "id";
        QTest::newRow("newline in source") << QByteArray("a") << QByteArray("x\ny") << "source_id";
        QTest::newRow("invalid utf-8 id") << QByteArray("\xc3\x28") << QByteArray("x") << "id";
    }
    void encodeRefusesBadFields()
    {
        QFETCH(QByteArray, id);
        QFETCH(QByteArray, sourceId);
        QFETCH(QString, field);
        Event event = sampleEvent();
        event.id = id;
        event.sourceId = sourceId;
        QByteArray out = "kept";
        CodecError error;
        QVERIFY(!encodeEvent(event, &out, &error));
        QCOMPARE(error.field, field);
        QCOMPARE(out, QByteArray("kept")); // nothing half-written
    }

    void encodeRefusesOversizedValue()
    {
        Event event = sampleEvent();
        event.payloadJson = "{\"blob\":\"" + QByteArray(2000, 'x') + "\"}";
        QByteArray out;
        CodecError error;
        QVERIFY(!encodeEvent(event, &out, &error, 1000));
        QVERIFY2(error.message.contains(QLatin1String("over the Kafka message size limit")),
                 qPrintable(error.message));
        QVERIFY(out.isEmpty());
        QVERIFY(encodeEvent(event, &out, &error)); // the default limit takes it
    }

    void validatePayloadRefusesNonObjects()
    {
        CodecError error;
        QVERIFY(validatePayload(R"({"a":1})", &error));
        QVERIFY(!validatePayload("[1]", &error));
        QCOMPARE(error.field, QStringLiteral("payload"));
        QVERIFY(!validatePayload("{\"a\":", &error));
        QCOMPARE(error.field, QStringLiteral("payload"));
    }

    void notificationEscapesWhatJsonNeeds()
    {
        // given fields with a quote, a backslash, a control character and UTF-8
        const Notification original{"a\"b", "t\\y\x01pe", "caf\xc3\xa9"};
        // when encoded and decoded
        const QByteArray json = encodeNotification(original);
        CodecError error;
        const auto decoded = decodeNotification(json, &error);
        // then the JSON is valid and every byte comes back
        QVERIFY2(decoded, qPrintable(error.message + QString::fromUtf8(json)));
        QCOMPARE(decoded->id, original.id);
        QCOMPARE(decoded->type, original.type);
        QCOMPARE(decoded->sourceId, original.sourceId);
        QVERIFY(json.contains("\\u0001"));
    }

    void notificationWithoutIdIsRefused()
    {
        CodecError error;
        QVERIFY(!decodeNotification(R"({"type":"t","source_id":"x"})", &error));
        QCOMPARE(error.field, QStringLiteral("id"));
        QVERIFY(!decodeNotification(R"({"id":"a","type":5})", &error));
        QCOMPARE(error.field, QStringLiteral("type"));
        QVERIFY(decodeNotification(R"({"id":"a"})", &error));
    }

    void garbageNeverCrashes()
    {
        // Every prefix of a valid event and a few byte soups: an error, never a crash.
        QByteArray json;
        CodecError error;
        QVERIFY(encodeEvent(sampleEvent(), &json, &error));
        for (qsizetype n = 0; n < json.size(); ++n)
            QVERIFY(!decodeEvent(json.left(n), &error));
        QByteArray soup;
        for (int i = 0; i < 4096; ++i)
            soup.append(char((i * 7919) & 0xff));
        QVERIFY(!decodeEvent(soup, &error));
        QVERIFY(!decodeNotification(soup, &error));
    }
};

QTEST_APPLESS_MAIN(TestEventCodec)
#include "tst_eventcodec.moc"
