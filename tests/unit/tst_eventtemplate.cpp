// SPDX-License-Identifier: MIT
#include "event/jsonposition.h"
#include "generate/eventtemplate.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <limits>
#include <rapidjson/document.h>

using dualscope::event::Event;
using dualscope::event::positionAt;
using dualscope::event::TextPosition;
using dualscope::generate::EventTemplate;
using dualscope::generate::TemplateError;

namespace {

// 2026-11-27T15:04:05.123Z
constexpr qint64 kNowMs = 1'795'791'845'123;

EventTemplate compileOrFail(const QByteArray &text)
{
    TemplateError error;
    std::optional<EventTemplate> compiled = EventTemplate::compile(text, &error);
    if (!compiled)
        qFatal("template does not compile: %s", qPrintable(error.toString()));
    compiled->setSeed(42);
    return std::move(*compiled);
}

// Parses strictly (as a consumer would); an invalid payload fails the test.
rapidjson::Document parseJson(const QByteArray &json)
{
    rapidjson::Document document;
    document.Parse<rapidjson::kParseValidateEncodingFlag>(json.constData(), size_t(json.size()));
    if (document.HasParseError())
        qFatal("invalid JSON (error %d at %zu): %s", int(document.GetParseError()),
               document.GetErrorOffset(), json.constData());
    return document;
}

QByteArray stringOf(const rapidjson::Value &value)
{
    return QByteArray(value.GetString(), qsizetype(value.GetStringLength()));
}

bool isUuidV4(const QByteArray &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
    return pattern.match(QString::fromLatin1(text)).hasMatch();
}

} // namespace

class TestEventTemplate : public QObject
{
    Q_OBJECT

private slots:
    void positionAtCases_data();
    void positionAtCases();

    void defaultTemplateExpandsToValidEvent();
    void defaultTemplateMatchesResourceFile();
    void emptyTemplateUsesDefaults();
    void seqPlaceholder();
    void uuidsAreV4AndUnique();
    void nowPlaceholders();
    void fixedTimestamp();
    void intRangeBounds_data();
    void intRangeBounds();
    void choiceMembership();
    void sourcePlaceholder();
    void numericVersusText_data();
    void numericVersusText();
    void escaping();
    void payloadStructureIsPreserved();
    void spreadOverFiftySources();
    void spreadWithoutTable_data();
    void spreadWithoutTable();
    void spreadOfOneOrLessKeepsSource();
    void copiesDrawTheirOwnIds();
    void seedMakesExpansionReproducible();
    void expandIntoReusesEvent();

    void errors_data();
    void errors();
    void errorWithoutOutParameter();

    void throughput();
};

void TestEventTemplate::positionAtCases_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qsizetype>("offset");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");

    QTest::newRow("start") << QByteArray("abc") << qsizetype(0) << 1 << 1;
    QTest::newRow("middle") << QByteArray("abc") << qsizetype(2) << 1 << 3;
    QTest::newRow("end") << QByteArray("abc") << qsizetype(3) << 1 << 4;
    QTest::newRow("after newline") << QByteArray("ab\ncd") << qsizetype(3) << 2 << 1;
    QTest::newRow("on newline") << QByteArray("ab\ncd") << qsizetype(2) << 1 << 3;
    QTest::newRow("third line") << QByteArray("a\nb\ncde") << qsizetype(6) << 3 << 3;
    QTest::newRow("crlf is one break") << QByteArray("ab\r\ncd") << qsizetype(5) << 2 << 2;
    QTest::newRow("lone cr breaks") << QByteArray("ab\rcd") << qsizetype(4) << 2 << 2;
    // "é" is two bytes, one column; "€" three bytes; "😀" four bytes.
    QTest::newRow("two-byte char") << QByteArray("\xc3\xa9x") << qsizetype(2) << 1 << 2;
    QTest::newRow("mixed multibyte")
        << QByteArray("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z") << qsizetype(9) << 1 << 4;
    QTest::newRow("multibyte on earlier line")
        << QByteArray("\xc3\xa9\xc3\xa9\nab") << qsizetype(6) << 2 << 2;
    QTest::newRow("invalid byte counts one") << QByteArray("a\xff"
                                                           "b")
                                             << qsizetype(2) << 1 << 3;
    QTest::newRow("negative clamps") << QByteArray("abc") << qsizetype(-5) << 1 << 1;
    QTest::newRow("past end clamps") << QByteArray("a\nb") << qsizetype(99) << 2 << 2;
    QTest::newRow("empty") << QByteArray() << qsizetype(0) << 1 << 1;
}

void TestEventTemplate::positionAtCases()
{
    QFETCH(QByteArray, text);
    QFETCH(qsizetype, offset);
    QFETCH(int, line);
    QFETCH(int, column);

    // when
    const TextPosition position = positionAt(text, offset);

    // then
    QCOMPARE(position.line, line);
    QCOMPARE(position.column, column);
}

void TestEventTemplate::defaultTemplateExpandsToValidEvent()
{
    // given the default template
    EventTemplate generator = compileOrFail(EventTemplate::defaultTemplateText());

    // when event 7 is expanded
    const Event event = generator.expand(7, kNowMs);

    // then every field is filled as the template says, and the payload is JSON
    QVERIFY2(isUuidV4(event.id), event.id.constData());
    QCOMPARE(event.type, QByteArray("order.created"));
    QCOMPARE(event.sourceType, QByteArray("user"));
    QCOMPARE(event.sourceId, QByteArray("user"));
    QCOMPARE(event.timestampMs, kNowMs);
    const rapidjson::Document payload = parseJson(event.payloadJson);
    QVERIFY(payload.IsObject());
    QVERIFY(payload["seq"].IsInt64());
    QCOMPARE(payload["seq"].GetInt64(), qint64(7));
    QVERIFY(payload["amount"].IsInt64());
    QVERIFY(payload["amount"].GetInt64() >= 1 && payload["amount"].GetInt64() <= 500);
    const QByteArray currency = stringOf(payload["currency"]);
    QVERIFY2(currency == "EUR" || currency == "USD" || currency == "GBP", currency.constData());
    QCOMPARE(stringOf(payload["note"]), QByteArray("order 7 from user"));
}

void TestEventTemplate::defaultTemplateMatchesResourceFile()
{
    // given the file the composer and the CLI ship
    const QString path = QFINDTESTDATA("../../resources/templates/default.json");
    QVERIFY2(!path.isEmpty(), "resources/templates/default.json not found");
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));

    // then it is the built-in default, byte for byte
    QCOMPARE(file.readAll(), EventTemplate::defaultTemplateText());
}

void TestEventTemplate::emptyTemplateUsesDefaults()
{
    // given a template with no fields at all
    EventTemplate generator = compileOrFail("{}");

    // when
    const Event event = generator.expand(0, kNowMs);

    // then the documented defaults apply
    QVERIFY(isUuidV4(event.id));
    QCOMPARE(event.type, QByteArray("test.event"));
    QCOMPARE(event.sourceType, QByteArray("test"));
    QCOMPARE(event.sourceId, QByteArray("source"));
    QCOMPARE(event.timestampMs, kNowMs);
    QCOMPARE(event.payloadJson, QByteArray("{}"));
}

void TestEventTemplate::seqPlaceholder()
{
    // given
    EventTemplate generator = compileOrFail(
        R"({"id": "evt-{{seq}}", "payload": {"n": "{{seq}}", "s": "#{{seq}}", "o": "{{seq:100}}",
            "neg": "{{seq:-5}}"}})");

    // when
    const Event first = generator.expand(0, kNowMs);
    const Event event = generator.expand(41, kNowMs);

    // then
    QCOMPARE(first.id, QByteArray("evt-0"));
    QCOMPARE(event.id, QByteArray("evt-41"));
    QCOMPARE(event.payloadJson, QByteArray(R"({"n":41,"s":"#41","o":141,"neg":36})"));
}

void TestEventTemplate::uuidsAreV4AndUnique()
{
    // given
    EventTemplate generator = compileOrFail(R"({"payload": {"u": "{{uuid}}"}})");

    // when 10,000 events are expanded
    QSet<QByteArray> ids;
    for (int seq = 0; seq < 10'000; ++seq) {
        const Event event = generator.expand(seq, kNowMs);
        // then each id is a lower-case v4 UUID without braces...
        QVERIFY2(isUuidV4(event.id), event.id.constData());
        ids.insert(event.id);
        const rapidjson::Document payload = parseJson(event.payloadJson);
        QVERIFY(isUuidV4(stringOf(payload["u"])));
        QVERIFY(stringOf(payload["u"]) != event.id); // each {{uuid}} draws anew
    }
    // ...and all are distinct
    QCOMPARE(ids.size(), 10'000);
}

void TestEventTemplate::nowPlaceholders()
{
    // given
    EventTemplate generator = compileOrFail(
        R"({"type": "at {{now}}", "timestamp": "{{now_ms}}",
            "payload": {"iso": "{{now}}", "ms": "{{now_ms}}", "text": "t={{now_ms}}"}})");
    const QByteArray expectedIso =
        QDateTime::fromMSecsSinceEpoch(kNowMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
    QCOMPARE(expectedIso, QByteArray("2026-11-27T15:04:05.123Z"));

    // when
    const Event event = generator.expand(0, kNowMs);
    const Event later = generator.expand(1, kNowMs + 1001);

    // then
    QCOMPARE(event.type, QByteArray("at " + expectedIso));
    QCOMPARE(event.timestampMs, kNowMs);
    const rapidjson::Document payload = parseJson(event.payloadJson);
    QCOMPARE(stringOf(payload["iso"]), expectedIso);
    QVERIFY(payload["ms"].IsInt64());
    QCOMPARE(payload["ms"].GetInt64(), kNowMs);
    QCOMPARE(stringOf(payload["text"]), QByteArray("t=" + QByteArray::number(kNowMs)));
    // and the cached text follows the clock
    QCOMPARE(later.type, QByteArray("at 2026-11-27T15:04:06.124Z"));
    QCOMPARE(later.timestampMs, kNowMs + 1001);
}

void TestEventTemplate::fixedTimestamp()
{
    // given a template with a fixed ISO timestamp
    EventTemplate generator = compileOrFail(R"({"timestamp": "2026-11-27T15:04:05.123Z"})");

    // when / then: the clock does not matter
    QCOMPARE(generator.expand(0, 5).timestampMs, kNowMs);
    QCOMPARE(generator.expand(1, 99'999).timestampMs, kNowMs);
}

void TestEventTemplate::intRangeBounds_data()
{
    QTest::addColumn<qint64>("low");
    QTest::addColumn<qint64>("high");

    QTest::newRow("small, with negatives") << qint64(-3) << qint64(3);
    QTest::newRow("one value") << qint64(5) << qint64(5);
    QTest::newRow("1..500") << qint64(1) << qint64(500);
    QTest::newRow("full int64") << std::numeric_limits<qint64>::min()
                                << std::numeric_limits<qint64>::max();
}

void TestEventTemplate::intRangeBounds()
{
    QFETCH(qint64, low);
    QFETCH(qint64, high);

    // given
    EventTemplate generator =
        compileOrFail(QByteArray(R"({"payload": {"n": "{{int:)") + QByteArray::number(low) + ':' +
                      QByteArray::number(high) + R"(}}"}})");

    // when many values are drawn
    qint64 seenLow = std::numeric_limits<qint64>::max();
    qint64 seenHigh = std::numeric_limits<qint64>::min();
    for (int i = 0; i < 20'000; ++i) {
        const rapidjson::Document payload = parseJson(generator.expand(i, kNowMs).payloadJson);
        QVERIFY(payload["n"].IsInt64());
        const qint64 value = payload["n"].GetInt64();
        // then all are within the bounds
        QVERIFY(value >= low && value <= high);
        seenLow = std::min(seenLow, value);
        seenHigh = std::max(seenHigh, value);
    }
    // and small ranges reach both ends (inclusive)
    if (quint64(high) - quint64(low) < 1000) {
        QCOMPARE(seenLow, low);
        QCOMPARE(seenHigh, high);
    }
}

void TestEventTemplate::choiceMembership()
{
    // given
    EventTemplate generator =
        compileOrFail(R"({"type": "{{choice:a|b}}", "payload": {"c": "{{choice:EUR|USD|GBP}}"}})");

    // when
    QHash<QByteArray, int> counts;
    QSet<QByteArray> types;
    for (int i = 0; i < 3000; ++i) {
        const Event event = generator.expand(i, kNowMs);
        types.insert(event.type);
        counts[stringOf(parseJson(event.payloadJson)["c"])]++;
    }

    // then only listed values appear, each roughly a third of the time
    QCOMPARE(types, (QSet<QByteArray>{"a", "b"}));
    QCOMPARE(counts.size(), 3);
    for (const QByteArray &value : {QByteArray("EUR"), QByteArray("USD"), QByteArray("GBP")})
        QVERIFY2(counts.value(value) > 800, value.constData());
}

void TestEventTemplate::sourcePlaceholder()
{
    // given a spread template that mentions its source elsewhere
    EventTemplate generator = compileOrFail(
        R"({"id": "{{source}}:{{seq}}", "source_id": "octocat",
            "payload": {"from": "{{source}}", "who": "user {{source}}"}})");
    generator.setSourceSpread(3);

    // when
    const Event event = generator.expand(5, kNowMs);

    // then {{source}} is the source id after spreading
    QCOMPARE(event.sourceId, QByteArray("octocat-2"));
    QCOMPARE(event.id, QByteArray("octocat-2:5"));
    QCOMPARE(event.payloadJson, QByteArray(R"({"from":"octocat-2","who":"user octocat-2"})"));
}

void TestEventTemplate::numericVersusText_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("expectedJson");

    QTest::newRow("lone seq is a number") << QByteArray("{{seq}}") << QByteArray("12");
    QTest::newRow("lone int is a number") << QByteArray("{{int:7:7}}") << QByteArray("7");
    QTest::newRow("negative int") << QByteArray("{{int:-7:-7}}") << QByteArray("-7");
    QTest::newRow("lone now_ms is a number")
        << QByteArray("{{now_ms}}") << QByteArray::number(kNowMs);
    QTest::newRow("prefixed seq is text") << QByteArray("x{{seq}}") << QByteArray(R"("x12")");
    QTest::newRow("suffixed int is text") << QByteArray("{{int:7:7}} ") << QByteArray(R"("7 ")");
    QTest::newRow("two numbers are text")
        << QByteArray("{{seq}}{{seq}}") << QByteArray(R"("1212")");
    QTest::newRow("lone now is text")
        << QByteArray("{{now}}") << QByteArray(R"("2026-11-27T15:04:05.123Z")");
    QTest::newRow("lone choice is text") << QByteArray("{{choice:1}}") << QByteArray(R"("1")");
    QTest::newRow("plain text") << QByteArray("hello") << QByteArray(R"("hello")");
    QTest::newRow("stray closing braces") << QByteArray("a}}b") << QByteArray(R"("a}}b")");
    QTest::newRow("lone brace") << QByteArray("{x}") << QByteArray(R"("{x}")");
}

void TestEventTemplate::numericVersusText()
{
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, expectedJson);

    // given
    EventTemplate generator =
        compileOrFail(R"({"type": ")" + value + R"(", "payload": {"v": ")" + value + R"("}})");

    // when
    const Event event = generator.expand(12, kNowMs);

    // then the payload has a number or a string; the top-level field is always text
    QCOMPARE(event.payloadJson, QByteArray(R"({"v":)" + expectedJson + '}'));
    parseJson(event.payloadJson);
    QByteArray text = expectedJson;
    if (text.startsWith('"'))
        text = text.mid(1, text.size() - 2);
    QCOMPARE(event.type, text);
}

void TestEventTemplate::escaping()
{
    // given choices, a source and literals holding characters JSON must escape
    EventTemplate generator = compileOrFail(
        R"({"source_id": "a\"b\\c",
            "payload": {"q": "{{choice:x\"y|back\\slash}}", "t": "<{{choice:\"|\\}}>",
                        "src": "{{source}}", "lit": "tab\there \u00e9 \ud83d\ude00 \u0001",
                        "k\"ey": true}})");

    QSet<QByteArray> seenQ;
    for (int i = 0; i < 200; ++i) {
        // when
        const Event event = generator.expand(i, kNowMs);

        // then the payload stays valid JSON and the values survive the round trip
        QCOMPARE(event.sourceId, QByteArray(R"(a"b\c)"));
        const rapidjson::Document payload = parseJson(event.payloadJson);
        const QByteArray q = stringOf(payload["q"]);
        QVERIFY2(q == R"(x"y)" || q == R"(back\slash)", q.constData());
        seenQ.insert(q);
        const QByteArray t = stringOf(payload["t"]);
        QVERIFY2(t == R"(<">)" || t == R"(<\>)", t.constData());
        QCOMPARE(stringOf(payload["src"]), QByteArray(R"(a"b\c)"));
        QCOMPARE(stringOf(payload["lit"]), QByteArray("tab\there \xc3\xa9 \xf0\x9f\x98\x80 \x01"));
        QVERIFY(payload[R"(k"ey)"].IsTrue());
    }
    QCOMPARE(seenQ.size(), 2);
}

void TestEventTemplate::payloadStructureIsPreserved()
{
    // given a payload with every JSON kind, nested, and no placeholders
    const QByteArray payloadText =
        R"({"a": [1, -0, 1.5e3, 12345678901234567890, true, false, null, "s", [], {}],
            "b": {"c": {"d": [{"e": "{{seq}}"}, "x{{seq}}"]}}, "n": 0.1})";
    EventTemplate generator = compileOrFail(R"({"payload": )" + payloadText + '}');

    // when
    const Event event = generator.expand(3, kNowMs);

    // then the output parses to the same document, placeholders substituted
    const rapidjson::Document got = parseJson(event.payloadJson);
    rapidjson::Document expected;
    QByteArray expectedText = payloadText;
    expectedText.replace(R"("{{seq}}")", "3").replace("x{{seq}}", "x3");
    expected.Parse(expectedText.constData());
    QVERIFY(!expected.HasParseError());
    QVERIFY2(got == expected, event.payloadJson.constData());
    // numbers are copied as written (no re-formatting of 1.5e3 or big integers)
    QVERIFY(event.payloadJson.contains("1.5e3"));
    QVERIFY(event.payloadJson.contains("12345678901234567890"));
}

void TestEventTemplate::spreadOverFiftySources()
{
    // given the default template spread over 50 sources
    EventTemplate generator = compileOrFail(EventTemplate::defaultTemplateText());
    generator.setSourceSpread(50);
    QCOMPARE(generator.sourceSpread(), 50);

    // when 5000 consecutive events are expanded
    QHash<QByteArray, int> counts;
    for (int seq = 0; seq < 5000; ++seq)
        counts[generator.expand(seq, kNowMs).sourceId]++;

    // then there are 50 distinct ids, user-0 .. user-49, 100 events each
    QCOMPARE(counts.size(), 50);
    for (int i = 0; i < 50; ++i)
        QCOMPARE(counts.value("user-" + QByteArray::number(i)), 100);
    QCOMPARE(generator.expand(1234, kNowMs).sourceId, QByteArray("user-34"));
}

void TestEventTemplate::spreadWithoutTable_data()
{
    QTest::addColumn<QByteArray>("sourceId");
    QTest::addColumn<int>("spread");
    QTest::addColumn<QByteArray>("expectedForSeq12345");

    // a placeholder in source_id, or more sources than the precomputed table holds,
    // take the formatting path
    QTest::newRow("placeholder in source_id")
        << QByteArray("s{{int:1:1}}") << 50 << QByteArray("s1-45");
    QTest::newRow("large spread") << QByteArray("src") << 10'000 << QByteArray("src-2345");
}

void TestEventTemplate::spreadWithoutTable()
{
    QFETCH(QByteArray, sourceId);
    QFETCH(int, spread);
    QFETCH(QByteArray, expectedForSeq12345);

    // given
    EventTemplate generator = compileOrFail(R"({"source_id": ")" + sourceId + R"("})");
    generator.setSourceSpread(spread);

    // when / then
    QCOMPARE(generator.expand(12345, kNowMs).sourceId, expectedForSeq12345);
    QSet<QByteArray> ids;
    for (int seq = 0; seq < 2 * spread; ++seq)
        ids.insert(generator.expand(seq, kNowMs).sourceId);
    QCOMPARE(ids.size(), spread);
}

void TestEventTemplate::spreadOfOneOrLessKeepsSource()
{
    // given
    EventTemplate generator = compileOrFail(R"({"source_id": "repo/{{choice:x}}"})");

    for (int k : {1, 0, -4}) {
        // when
        generator.setSourceSpread(k);
        // then
        QCOMPARE(generator.sourceSpread(), 1);
        QCOMPARE(generator.expand(7, kNowMs).sourceId, QByteArray("repo/x"));
    }
}

void TestEventTemplate::copiesDrawTheirOwnIds()
{
    // given a template and a copy of it (as two workers would hold)
    EventTemplate original = compileOrFail(EventTemplate::defaultTemplateText());
    EventTemplate copy = original;
    EventTemplate assigned = compileOrFail("{}");
    assigned = original;

    // when each expands the same sequence numbers
    QSet<QByteArray> ids;
    for (int seq = 0; seq < 1000; ++seq) {
        ids.insert(original.expand(seq, kNowMs).id);
        ids.insert(copy.expand(seq, kNowMs).id);
        ids.insert(assigned.expand(seq, kNowMs).id);
    }

    // then no id repeats, and the copies kept the template itself
    QCOMPARE(ids.size(), 3000);
    QCOMPARE(assigned.expand(0, kNowMs).type, QByteArray("order.created"));
}

void TestEventTemplate::seedMakesExpansionReproducible()
{
    // given two copies of a template with the same seed
    EventTemplate first = compileOrFail(EventTemplate::defaultTemplateText());
    EventTemplate second = first;
    first.setSeed(7);
    second.setSeed(7);

    // when / then: the same events come out
    for (int seq = 0; seq < 100; ++seq) {
        const Event a = first.expand(seq, kNowMs);
        const Event b = second.expand(seq, kNowMs);
        QCOMPARE(a.id, b.id);
        QCOMPARE(a.payloadJson, b.payloadJson);
    }
    // and another seed gives other ids
    second.setSeed(8);
    QVERIFY(first.expand(0, kNowMs).id != second.expand(0, kNowMs).id);
}

void TestEventTemplate::expandIntoReusesEvent()
{
    // given two identically seeded templates
    EventTemplate a = compileOrFail(EventTemplate::defaultTemplateText());
    EventTemplate b = a;
    a.setSeed(1);
    b.setSeed(1);
    a.setSourceSpread(4);
    b.setSourceSpread(4);

    // when one event object is reused
    Event reused;
    for (int seq = 0; seq < 50; ++seq) {
        a.expandInto(reused, seq, kNowMs + seq);
        const Event fresh = b.expand(seq, kNowMs + seq);
        // then it holds exactly what a fresh expansion holds
        QCOMPARE(reused.id, fresh.id);
        QCOMPARE(reused.type, fresh.type);
        QCOMPARE(reused.sourceType, fresh.sourceType);
        QCOMPARE(reused.sourceId, fresh.sourceId);
        QCOMPARE(reused.timestampMs, fresh.timestampMs);
        QCOMPARE(reused.payloadJson, fresh.payloadJson);
    }
}

void TestEventTemplate::errors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");

    QTest::newRow("invalid JSON: trailing comma")
        << QByteArray("{\n  \"type\": \"x\",\n  \"payload\": {\"a\": 1,}\n}") << 3 << 22
        << QStringLiteral("invalid JSON: missing a name for object member");
    QTest::newRow("invalid JSON: missing colon")
        << QByteArray("{\n  \"type\" \"x\"\n}") << 2 << 10
        << QStringLiteral("invalid JSON: missing a colon after a name of object member");
    QTest::newRow("invalid UTF-8")
        << QByteArray("{\n  \"type\": \"ab\xff"
                      "c\"\n}")
        << 2 << 14 << QStringLiteral("invalid JSON: invalid UTF-8 in string");
    QTest::newRow("invalid UTF-8 after multibyte")
        << QByteArray("{\n  \"type\": \"\xc3\xa9\xc3\xa9\xfe\"\n}") << 2 << 14
        << QStringLiteral("invalid JSON: invalid UTF-8 in string");
    QTest::newRow("truncated UTF-8 sequence")
        << QByteArray("{\"type\": \"\xe2\x82\"}") << 1 << 11
        << QStringLiteral("invalid JSON: invalid UTF-8 in string");
    QTest::newRow("UTF-8 sequence cut by the end of the text")
        << QByteArray("{\"type\": \"\xf0") << 1 << 11
        << QStringLiteral("invalid JSON: invalid UTF-8 in string");
    QTest::newRow("overlong UTF-8") << QByteArray("{\"type\": \"\xc0\xaf\"}") << 1 << 11
                                    << QStringLiteral("invalid JSON: invalid UTF-8 in string");
    QTest::newRow("UTF-16 surrogate in UTF-8")
        << QByteArray("{\"type\": \"a\xed\xa0\x80\"}") << 1 << 12
        << QStringLiteral("invalid JSON: invalid UTF-8 in string");
    QTest::newRow("unknown placeholder after multibyte")
        << QByteArray("{\n  \"type\": \"x\",\n  \"payload\": {\"note\": \"\xc3\xa9t\xc3\xa9 "
                      "{{foo}}\"}\n}")
        << 3 << 28 << QStringLiteral("unknown placeholder '{{foo}}'");
    QTest::newRow("unknown placeholder after escapes") << QByteArray(R"({"payload": {
 "a": "q\"\u00e9\n{{bar}}"}})") << 2 << 19 << QStringLiteral("unknown placeholder '{{bar}}'");
    QTest::newRow("bad int range")
        << QByteArray("{\n  \"payload\": {\n    \"n\": \"{{int:9:1}}\"\n  }\n}") << 3 << 11
        << QStringLiteral("{{int:9:1}}: low is greater than high");
    QTest::newRow("int bound not a number")
        << QByteArray(R"({"payload": {"n": "x{{int:a:5}}"}})") << 1 << 21
        << QStringLiteral("{{int:a:5}}: low and high must be 64-bit integers");
    QTest::newRow("int bound overflows")
        << QByteArray(R"({"payload": {"n": "x{{int:0:9223372036854775808}}"}})") << 1 << 21
        << QStringLiteral("{{int:0:9223372036854775808}}: low and high must be 64-bit integers");
    QTest::newRow("int without high") << QByteArray(R"({"type": "{{int:5}}"})") << 1 << 11
                                      << QStringLiteral("{{int:5}}: expected {{int:LOW:HIGH}}");
    QTest::newRow("empty choice item") << QByteArray("{\n \"type\": \"{{choice:a||b}}\"\n}") << 2
                                       << 11 << QStringLiteral("{{choice:a||b}}: empty choice");
    QTest::newRow("no choices") << QByteArray(R"({"type": "{{choice:}}"})") << 1 << 11
                                << QStringLiteral("{{choice:}}: empty choice");
    QTest::newRow("bad seq start")
        << QByteArray(R"({"type": "{{seq:x}}"})") << 1 << 11
        << QStringLiteral("{{seq:x}}: the start must be a 64-bit integer");
    QTest::newRow("unknown field") << QByteArray("{\n  \"type\": \"x\",\n  \"\xc3\xbc"
                                                 "ber\": 1\n}")
                                   << 3 << 3 << QStringLiteral("unknown field '\u00fcber'");
    QTest::newRow("wrong type: number")
        << QByteArray("{\n  \"id\": \"a\",\n  \"type\":   42\n}") << 3 << 13
        << QStringLiteral("field 'type' must be a string");
    QTest::newRow("wrong type: null") << QByteArray(R"({"source_type": null})") << 1 << 17
                                      << QStringLiteral("field 'source_type' must be a string");
    QTest::newRow("wrong type: object") << QByteArray(R"({"type": {"a": 1}})") << 1 << 10
                                        << QStringLiteral("field 'type' must be a string");
    QTest::newRow("wrong type: array") << QByteArray(R"({"source_id": ["a"]})") << 1 << 15
                                       << QStringLiteral("field 'source_id' must be a string");
    QTest::newRow("wrong type: timestamp number")
        << QByteArray(R"({"timestamp": 1})") << 1 << 15
        << QStringLiteral("field 'timestamp' must be a string");
    QTest::newRow("payload array") << QByteArray("{\n  \"payload\": [1]\n}") << 2 << 14
                                   << QStringLiteral("field 'payload' must be an object");
    QTest::newRow("payload string") << QByteArray(R"({"payload": "{}"})") << 1 << 13
                                    << QStringLiteral("field 'payload' must be an object");
    QTest::newRow("bad timestamp") << QByteArray("{\n  \"timestamp\": \"yesterday\"\n}") << 2 << 16
                                   << QStringLiteral("field 'timestamp' must be \"{{now}}\", "
                                                     "\"{{now_ms}}\" or an ISO 8601 timestamp");
    QTest::newRow("timestamp with other placeholder")
        << QByteArray(R"({"timestamp": "{{seq}}"})") << 1 << 15
        << QStringLiteral(
               "field 'timestamp' must be \"{{now}}\", \"{{now_ms}}\" or an ISO 8601 timestamp");
    QTest::newRow("placeholder in key")
        << QByteArray("{\"payload\": {\n  \"k{{seq}}\": 1}}") << 2 << 5
        << QStringLiteral("placeholders are not allowed in object keys");
    QTest::newRow("source in source_id")
        << QByteArray(R"({"source_id": "s-{{source}}"})") << 1 << 18
        << QStringLiteral("'{{source}}' cannot be used in source_id");
    QTest::newRow("unterminated placeholder")
        << QByteArray(R"({"payload": {"a": "x {{seq"}})") << 1 << 22
        << QStringLiteral("unterminated placeholder '{{seq'");
    QTest::newRow("root is an array")
        << QByteArray("  [1, 2]") << 1 << 3 << QStringLiteral("the template must be a JSON object");
    QTest::newRow("root is a string")
        << QByteArray("\n\"x\"") << 2 << 1 << QStringLiteral("the template must be a JSON object");
    QTest::newRow("duplicate field") << QByteArray("{\"type\": \"a\",\r\n \"type\": \"b\"}") << 2
                                     << 2 << QStringLiteral("duplicate field 'type'");
    QTest::newRow("empty type") << QByteArray(R"({"type": ""})") << 1 << 10
                                << QStringLiteral("field 'type' must not be empty");
    QTest::newRow("deep placeholder error")
        << QByteArray(R"({"payload": {"a": [1, {"b": ["ok", "{{nope}}"]}]}})") << 1 << 37
        << QStringLiteral("unknown placeholder '{{nope}}'");
    QTest::newRow("empty document")
        << QByteArray("") << 1 << 1 << QStringLiteral("invalid JSON: the document is empty");
    QTest::newRow("garbage after the object")
        << QByteArray("{}\n x") << 2 << 2
        << QStringLiteral("invalid JSON: the document root must not be followed by other values");
    QTest::newRow("NUL byte") << QByteArray("{\"type\": \"a\0b\"}", 15) << 1 << 12
                              << QStringLiteral("invalid JSON: NUL byte");
}

void TestEventTemplate::errors()
{
    QFETCH(QByteArray, text);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);

    // given a bad template, when it is compiled
    TemplateError error;
    const std::optional<EventTemplate> compiled = EventTemplate::compile(text, &error);

    // then it fails, pointing at the offending token
    QVERIFY(!compiled);
    QCOMPARE(error.message, message);
    QCOMPARE(error.line, line);
    QCOMPARE(error.column, column);
    QCOMPARE(error.toString(),
             QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(message));
}

void TestEventTemplate::errorWithoutOutParameter()
{
    QVERIFY(!EventTemplate::compile("{\"x\": 1}"));
    QVERIFY(EventTemplate::compile("{}"));
    // a reused error object is reset by a success
    TemplateError error;
    QVERIFY(!EventTemplate::compile("[", &error));
    QVERIFY(EventTemplate::compile("{}", &error));
    QCOMPARE(error.line, 0);
    QVERIFY(error.message.isEmpty());
}

void TestEventTemplate::throughput()
{
    // A measurement, not an assertion: the number goes into the test log.
    EventTemplate generator = compileOrFail(EventTemplate::defaultTemplateText());
    generator.setSourceSpread(50);
    constexpr int count = 1'000'000;
    Event event;
    qint64 bytes = 0;
    QElapsedTimer timer;
    timer.start();
    for (int seq = 0; seq < count; ++seq) {
        generator.expandInto(event, seq, kNowMs + seq / 1000);
        bytes += event.payloadJson.size();
    }
    const qint64 reuseNs = timer.nsecsElapsed();
    timer.restart();
    for (int seq = 0; seq < count; ++seq)
        bytes += generator.expand(seq, kNowMs + seq / 1000).payloadJson.size();
    const qint64 freshNs = timer.nsecsElapsed();
    QVERIFY(bytes > 0);
    qInfo("default template: expandInto %.0f/s, expand %.0f/s", count * 1e9 / double(reuseNs),
          count * 1e9 / double(freshNs));
}

QTEST_APPLESS_MAIN(TestEventTemplate)
#include "tst_eventtemplate.moc"
