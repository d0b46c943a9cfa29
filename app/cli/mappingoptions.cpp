// SPDX-License-Identifier: MIT
#include "mappingoptions.h"

namespace dualscope::cli {

namespace {

struct MappingOption
{
    const char *name;
    QByteArray gap::FieldMapping::*field;
};
const MappingOption kMappingOptions[] = {
    {"id-pointer", &gap::FieldMapping::kafkaId},
    {"type-pointer", &gap::FieldMapping::kafkaType},
    {"source-type-pointer", &gap::FieldMapping::kafkaSourceType},
    {"source-id-pointer", &gap::FieldMapping::kafkaSourceId},
    {"notification-id-pointer", &gap::FieldMapping::notificationId},
    {"notification-type-pointer", &gap::FieldMapping::notificationType},
    {"notification-source-id-pointer", &gap::FieldMapping::notificationSourceId},
};

} // namespace

void addMappingOptions(QCommandLineParser &parser)
{
    for (const MappingOption &option : kMappingOptions)
        parser.addOption({QLatin1String(option.name),
                          QStringLiteral("JSON pointer of the field (RFC 6901)."),
                          QStringLiteral("POINTER")});
}

void applyMappingOptions(const QCommandLineParser &parser, gap::FieldMapping *mapping)
{
    for (const MappingOption &option : kMappingOptions) {
        if (parser.isSet(QLatin1String(option.name)))
            mapping->*option.field = parser.value(QLatin1String(option.name)).toUtf8();
    }
}

bool readChannelTemplate(const QCommandLineParser &parser, event::ChannelTemplate *channelTemplate,
                         QString *error)
{
    if (!parser.isSet(QStringLiteral("channel-template")))
        return true;
    const std::optional<event::ChannelTemplate> parsed =
        event::ChannelTemplate::parse(parser.value(QStringLiteral("channel-template")), error);
    if (!parsed)
        return false;
    *channelTemplate = *parsed;
    return true;
}

} // namespace dualscope::cli
