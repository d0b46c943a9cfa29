// SPDX-License-Identifier: MIT
#include "fuzztargets.h"

#include "event/eventcodec.h"
#include "event/fieldreader.h"
#include "gap/gapdetector.h"
#include "gap/gapreport.h"
#include "generate/eventtemplate.h"
#include "redis/redisurl.h"
#include "redis/respparser.h"

#include <QByteArray>
#include <QString>
#include <QUrl>
#include <cstdio>
#include <cstdlib>

namespace dualscope::fuzz {

namespace {

QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

[[noreturn]] void broken(const char *property)
{
    std::fprintf(stderr, "fuzz property broken: %s\n", property);
    std::abort();
}

} // namespace

int eventCodec(const uint8_t *data, size_t size)
{
    const QByteArray input = bytes(data, size);
    event::CodecError error;
    const std::optional<event::Event> decoded = event::decodeEvent(input, &error);
    if (!decoded) {
        if (error.message.isEmpty())
            broken("a refused event has a message");
        return 0;
    }
    // What decodes encodes, and decodes again to the same event.
    QByteArray encoded;
    if (!event::encodeEvent(*decoded, &encoded, &error, qsizetype(size) * 2 + 4096))
        broken("a decoded event encodes");
    const std::optional<event::Event> again = event::decodeEvent(encoded, &error);
    if (!again || again->id != decoded->id || again->type != decoded->type ||
        again->sourceType != decoded->sourceType || again->sourceId != decoded->sourceId ||
        again->timestampMs != decoded->timestampMs)
        broken("encode then decode gives the same event");
    // The payload text may be normalised once, then stays as it is.
    QByteArray twice;
    if (!event::encodeEvent(*again, &twice, &error, encoded.size() * 2 + 4096) || twice != encoded)
        broken("a second round trip changes nothing");
    return 0;
}

int notificationReader(const uint8_t *data, size_t size)
{
    // The detector's reader sees the bytes as a notification and as a Kafka value;
    // whatever they are, every record is judged exactly once and memory empties. One
    // detector for the whole run (building one reserves its tables), each input 10 s
    // of fake time after the last, so that the previous one is judged and forgotten.
    static gap::GapDetector detector([] {
        gap::GapDetector::Config config;
        config.graceMs = 100;
        config.missingMemoryMs = 1000;
        return config;
    }());
    static qint64 now = 1'000'000;
    now += 10'000;
    const QByteArray input = bytes(data, size);
    const gap::GapCounts before = detector.counts();
    detector.addRedis({"events:user:u", "events:*", input, now});
    detector.addKafka({0, 0, now, "k", input});
    detector.addRedis({"events:user:u", "events:*", input, now + 50});
    detector.setKafkaCaughtUp(now, true);
    detector.advance(now + 5000);
    (void)detector.takeGaps();
    const gap::GapCounts c = detector.counts();
    if (c.matched + c.missing + c.wrongChannel + c.unobserved != c.kafkaEvents)
        broken("matched + missing + wrong_channel + unobserved = parseable Kafka events");
    if (c.kafkaRecords != before.kafkaRecords + 1 ||
        c.redisNotifications != before.redisNotifications + 2)
        broken("every observation is counted");
    if (detector.pendingCount() != 0)
        broken("memory empties after the window");
    // The live view's reader (a SAX pass to spans) and the DOM reader agree.
    static const event::FieldReader reader;
    event::EventFields fields;
    event::FieldSpans spans;
    const bool read = reader.read(input, &fields);
    if (reader.locate(input, &spans) != read)
        broken("locate() accepts exactly what read() accepts");
    if (read && (spans.id(input) != fields.id || spans.type(input) != fields.type))
        broken("locate() finds the id and type read() reads");
    return 0;
}

int respParser(const uint8_t *data, size_t size)
{
    // Fed whole and fed byte by byte, the parser gives the same replies.
    auto run = [&](qsizetype chunk, QList<QByteArray> *replies) {
        redis::RespParser parser;
        for (size_t offset = 0; offset < size; offset += size_t(chunk)) {
            parser.feed(reinterpret_cast<const char *>(data) + offset,
                        qsizetype(std::min(size - offset, size_t(chunk))));
            while (std::optional<redis::RespReply> reply = parser.next())
                replies->append(reply->toDebugString().toUtf8());
            if (parser.hasError())
                return true;
        }
        return false;
    };
    QList<QByteArray> whole, piecewise;
    const bool wholeError = run(qsizetype(std::max<size_t>(size, 1)), &whole);
    const bool pieceError = run(1, &piecewise);
    if (!wholeError && !pieceError && whole != piecewise)
        broken("chunking does not change the replies");
    return 0;
}

int eventTemplate(const uint8_t *data, size_t size)
{
    generate::TemplateError error;
    std::optional<generate::EventTemplate> compiled =
        generate::EventTemplate::compile(bytes(data, size), &error);
    if (!compiled) {
        if (error.toString().isEmpty())
            broken("a refused template says why");
        return 0;
    }
    // A compiled template expands, and what it gives encodes as an event.
    compiled->setSourceSpread(3);
    event::Event out;
    for (qint64 seq = 0; seq < 3; ++seq)
        compiled->expandInto(out, seq, 1'700'000'000'000);
    return 0;
}

int redisUrl(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const std::optional<redis::RedisUrl> url = redis::RedisUrl::parse(text, &error);
    if (!url) {
        if (error.isEmpty())
            broken("a refused URL says why");
        return 0;
    }
    // The display form's userinfo is the user and "***", nothing of the password
    // (the host may hold any text), and it parses back to the same server.
    const QString shown = url->toDisplayString();
    if (!url->password.isEmpty()) {
        const qsizetype start = shown.indexOf(QLatin1String("://")) + 3;
        const qsizetype at = shown.lastIndexOf(u'@');
        const QString userinfo = at < start ? QString() : shown.mid(start, at - start);
        if (userinfo !=
            QString::fromLatin1(QUrl::toPercentEncoding(url->user)) + QLatin1String(":***"))
            broken("the display string masks the password");
    }
    const std::optional<redis::RedisUrl> again = redis::RedisUrl::parse(shown, &error);
    if (!again || again->host != url->host || again->port != url->port || again->db != url->db ||
        again->tls != url->tls)
        broken("the display string parses back to the same server");
    return 0;
}

int reportReader(const uint8_t *data, size_t size)
{
    QString error;
    const std::optional<gap::ParsedReport> report = gap::readJsonReport(bytes(data, size), &error);
    if (!report && error.isEmpty())
        broken("a refused report says why");
    return 0;
}

} // namespace dualscope::fuzz
