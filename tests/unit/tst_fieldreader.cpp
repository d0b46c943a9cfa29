// SPDX-License-Identifier: MIT
#include "event/fieldreader.h"

#include <QTest>

using dualscope::event::EventFields;
using dualscope::event::FieldPointers;
using dualscope::event::FieldReader;
using dualscope::event::FieldSpans;

class TestFieldReader final : public QObject
{
    Q_OBJECT

private slots:
    void readsTheMappedFields();
    void refusesWhatTheCheckerRefuses_data();
    void refusesWhatTheCheckerRefuses();
    void locatesVerbatimValuesWithoutACopy();
    void decodesWhatIsNotVerbatim_data();
    void decodesWhatIsNotVerbatim();
    void aLargeDocumentIsReadAndItsLateIdDecoded();
    void locateAgreesWithRead_data();
    void locateAgreesWithRead();
};

void TestFieldReader::readsTheMappedFields()
{
    // given a mapping into a nested object, and a numeric source id
    FieldPointers pointers;
    pointers.id = "/meta/event_id";
    pointers.sourceId = "/who";
    const FieldReader reader(pointers);
    EventFields fields;
    // then each field is read where the mapping says
    QVERIFY(reader.read(R"({"meta":{"event_id":"e-1"},"type":"push","who":42})", &fields));
    QCOMPARE(fields.id, QByteArray("e-1"));
    QCOMPARE(fields.type, QByteArray("push"));
    QCOMPARE(fields.sourceId, QByteArray("42"));
    QVERIFY(fields.sourceType.isEmpty());
}

void TestFieldReader::refusesWhatTheCheckerRefuses_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("why");
    QTest::newRow("not json") << QByteArray("not json") << "not valid JSON at byte 1";
    QTest::newRow("not an object") << QByteArray("[1]") << "not a JSON object but an array";
    QTest::newRow("no id") << QByteArray(R"({"type":"t"})") << "no id at /id";
    QTest::newRow("numeric id") << QByteArray(R"({"id":7})") << "the id at /id is a number";
    QTest::newRow("empty id") << QByteArray(R"({"id":""})") << "the id at /id is an empty string";
    QTest::newRow("bad utf-8") << QByteArray("{\"id\":\"\xff\"}") << "not valid JSON";
}

void TestFieldReader::refusesWhatTheCheckerRefuses()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, why);
    const FieldReader reader;
    EventFields fields;
    QString error;
    QVERIFY(!reader.read(json, &fields, &error));
    QVERIFY2(error.startsWith(why), qPrintable(error));
    FieldSpans spans;
    QVERIFY(!reader.locate(json, &spans));
    QVERIFY(!spans.hasId());
}

void TestFieldReader::locatesVerbatimValuesWithoutACopy()
{
    // given a document with spaces and the id's text also used as a key
    const QByteArray json = R"({ "e-1" : 0, "type" : "push", "id" : "e-1" })";
    FieldSpans spans;
    QVERIFY(FieldReader().locate(json, &spans));
    // then both are spans of the document, and nothing is decoded
    QVERIFY(spans.decoded.isNull());
    QCOMPARE(spans.id(json), QByteArray("e-1"));
    QCOMPARE(spans.type(json), QByteArray("push"));
    QVERIFY(spans.hasId());
    // and a document without a type has an empty one
    const QByteArray bare = R"({"id":"e-2"})";
    QVERIFY(FieldReader().locate(bare, &spans));
    QCOMPARE(spans.id(bare), QByteArray("e-2"));
    QVERIFY(spans.type(bare).isEmpty());
}

void TestFieldReader::decodesWhatIsNotVerbatim_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<QByteArray>("type");
    QTest::newRow("escaped id") << QByteArray(R"({"id":"a\"b","type":"t"})") << QByteArray("a\"b")
                                << QByteArray("t");
    QTest::newRow("unicode escape in type")
        << QByteArray(R"({"id":"x","type":"t\u0041"})") << QByteArray("x") << QByteArray("tA");
    QTest::newRow("numeric type") << QByteArray(R"({"id":"x","type":5})") << QByteArray("x")
                                  << QByteArray("5");
}

void TestFieldReader::decodesWhatIsNotVerbatim()
{
    QFETCH(QByteArray, json);
    QFETCH(QByteArray, id);
    QFETCH(QByteArray, type);
    FieldSpans spans;
    QVERIFY(FieldReader().locate(json, &spans));
    QVERIFY(!spans.decoded.isNull());
    QCOMPARE(spans.id(json), id);
    QCOMPARE(spans.type(json), type);
}

void TestFieldReader::aLargeDocumentIsReadAndItsLateIdDecoded()
{
    // given an id past the 64 KiB a span can reach, in a document larger than
    // the reader's stack buffers
    QByteArray json = R"({"pad":")" + QByteArray(70000, 'x') + R"(","id":"late"})";
    FieldSpans spans;
    QVERIFY(FieldReader().locate(json, &spans));
    QCOMPARE(spans.id(json), QByteArray("late"));
    QVERIFY(!spans.decoded.isNull());
}

void TestFieldReader::locateAgreesWithRead_data()
{
    QTest::addColumn<QByteArray>("idPointer");
    QTest::addColumn<QByteArray>("typePointer");
    QTest::addColumn<QByteArray>("json");
    const QByteArray id = "/id";
    const QByteArray type = "/type";
    QTest::newRow("plain") << id << type << QByteArray(R"({"id":"a","type":"t"})");
    QTest::newRow("same key deeper first")
        << id << type << QByteArray(R"({"x":{"id":"inner","type":"no"},"id":"outer","type":"t"})");
    QTest::newRow("same key in an array")
        << id << type << QByteArray(R"({"l":[{"id":"in"}],"type":"t","id":"out"})");
    QTest::newRow("repeated member")
        << id << type << QByteArray(R"({"id":"first","id":"second","type":"t"})");
    QTest::newRow("nested pointer")
        << QByteArray("/meta/event_id") << QByteArray("/meta/kind")
        << QByteArray(R"({"meta":{"a":[1,{"event_id":"x"}],"event_id":"e-9","kind":"k"}})");
    QTest::newRow("array index") << QByteArray("/list/1/id") << QByteArray("/list/0/id")
                                 << QByteArray(
                                        R"({"list":[{"id":"zero"},{"id":"one"},{"id":"two"}]})");
    QTest::newRow("escaped key") << QByteArray("/a~1b") << type
                                 << QByteArray(R"({"a/b":"slash","type":"t"})");
    QTest::newRow("object id") << id << type << QByteArray(R"({"id":{"id":"x"},"type":"t"})");
    QTest::newRow("type is an object") << id << type << QByteArray(R"({"id":"x","type":{}})");
    QTest::newRow("type is negative") << id << type << QByteArray(R"({"id":"x","type":-3})");
    QTest::newRow("type is a float") << id << type << QByteArray(R"({"id":"x","type":1.5})");
    QTest::newRow("huge unsigned type")
        << id << type << QByteArray(R"({"id":"x","type":18446744073709551615})");
    QTest::newRow("trailing garbage") << id << type << QByteArray(R"({"id":"x"} y)");
    QTest::newRow("array root") << id << type << QByteArray(R"([{"id":"x"}])");
    QTest::newRow("empty type") << id << type << QByteArray(R"({"id":"x","type":""})");
    QTest::newRow("byte order mark")
        << id << type << QByteArray("\xef\xbb\xbf{\"id\":\"x\",\"type\":\"t\"}");
    QTest::newRow("a lone byte of one")
        << id << type << QByteArray("\xbf{\"id\":\"x\",\"type\":\"t\"}");
}

void TestFieldReader::locateAgreesWithRead()
{
    QFETCH(QByteArray, idPointer);
    QFETCH(QByteArray, typePointer);
    QFETCH(QByteArray, json);
    FieldPointers pointers;
    pointers.id = idPointer;
    pointers.type = typePointer;
    const FieldReader reader(pointers);
    EventFields fields;
    const bool read = reader.read(json, &fields);
    FieldSpans spans;
    QCOMPARE(reader.locate(json, &spans), read);
    QCOMPARE(spans.id(json), read ? fields.id : QByteArray());
    QCOMPARE(spans.type(json), read ? fields.type : QByteArray());
}

QTEST_GUILESS_MAIN(TestFieldReader)
#include "tst_fieldreader.moc"
