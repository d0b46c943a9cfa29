// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <vector>

namespace dualscope::event {
struct Event;
}

namespace dualscope::gap {

// The gap detector's reading of one Kafka record or notification: parses it into a
// DOM it reuses and reads the mapped fields from it. The detector needs the whole
// document, not only its fields (event::FieldReader's job): the `oversized` check
// looks at every top-level member. Strict as docs/design.md asks: valid UTF-8 JSON,
// an object, a non-empty string id. One thread at a time; the detector owns one.
class ObservationReader
{
public:
    using Value = rapidjson::Value;

    explicit ObservationReader(const FieldMapping &mapping);
    ObservationReader(const ObservationReader &) = delete;
    ObservationReader &operator=(const ObservationReader &) = delete;

    // The parsed object, valid until the next parse(); null, and *why says what is
    // wrong, when `json` is not valid JSON or not an object.
    const Value *parse(const QByteArray &json, QString *why);

    // The id through the mapping's Kafka or notification pointer, as a view into the
    // parsed document; false, and *why, when there is none that can be matched.
    bool kafkaId(const Value &root, QByteArrayView *id, QString *why) const;
    bool notificationId(const Value &root, QByteArrayView *id, QString *why) const;
    // The record's type, source type and source id into `event`, for the channel
    // template: strings as they are, integers as decimal text, anything else empty.
    void kafkaFields(const Value &root, event::Event *event) const;
    // The notification carries more than ids: a "payload" member, or an object or
    // array member that no mapped pointer goes through.
    bool carriesPayload(const Value &root) const;

private:
    // A mapped field: the pre-resolved pointer, or none when the mapping leaves the
    // field empty (the system does not carry it) or the pointer is invalid.
    struct MappedField
    {
        QByteArray text;
        rapidjson::Pointer pointer;
        bool usable = false;

        void set(const QByteArray &pointerText);
        const Value *find(const Value &root) const { return usable ? pointer.Get(root) : nullptr; }
    };

    using Pool = rapidjson::MemoryPoolAllocator<>;
    // Both the values and the parser's stack come from pools over fixed buffers that
    // are cleared before each parse: a typical record or notification then parses
    // without a single malloc (RapidJSON's default stack allocator frees and
    // reallocates its stack on every parse).
    using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool>;

    static bool idOf(const Value &root, const MappedField &field, QByteArrayView *id, QString *why);
    static void textOf(const Value &root, const MappedField &field, QByteArray *out);

    std::vector<char> m_valueBuffer;
    std::vector<char> m_stackBuffer;
    Pool m_valuePool;
    Pool m_stackPool;
    Document m_document;
    QByteArray m_insitu; // the in-situ parse buffer, reused
    MappedField m_kafkaId, m_kafkaType, m_kafkaSourceType, m_kafkaSourceId, m_notificationId;
    // The top-level members that may hold an object because a mapped pointer goes
    // through them ("/meta/event_id" allows "meta").
    QList<QByteArray> m_containerMembers;
};

} // namespace dualscope::gap
