// ACD agents and queues: TAPI 2.x's agent functions. TAPI sends them to the agent handler of the
// line; with no application registered as one (this TAPI has no proxies), the provider is the
// handler when it exports TELSIM_lineProxyRequest (telsim_ext.h): each function builds the
// LINEPROXYREQUEST, hands it to the provider and returns the request's id; the provider fills
// the request's structure, in UTF-16, before it completes the request, and that structure is
// packed into the application's (its version's fixed part, ANSI for the A forms; all of the
// variable part or none of it) before LINE_REPLY. A provider without the export:
// LINEERR_OPERATIONUNAVAIL (docs/wine.md, "Agents and queues").
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <vector>

#include "api.hpp"

namespace telsim::tapi32 {
namespace {

DWORD rd(const BYTE* p, DWORD at) {
  DWORD v;
  std::memcpy(&v, p + at, sizeof v);
  return v;
}

DWORD agent_caps_fixed(DWORD v) {
  return v < 0x00020002 ? TELSIM_AT(LINEAGENTCAPS, ProxyGUID) : sizeof(LINEAGENTCAPS);
}
DWORD whole_agent_status(DWORD) { return sizeof(LINEAGENTSTATUS); }
DWORD whole_list(DWORD) { return sizeof(LINEAGENTGROUPLIST); }  // every list's fixed part is the same
DWORD whole_queue_info(DWORD) { return sizeof(LINEQUEUEINFO); }

const Shape& agent_caps_shape() {
  static const Shape s{"LINEAGENTCAPS", &agent_caps_fixed,
                       {Field{TELSIM_AT(LINEAGENTCAPS, dwAgentHandlerInfoSize), Kind::Text},
                        Field{TELSIM_AT(LINEAGENTCAPS, dwAgentExtensionIDListSize), Kind::Binary}}};
  return s;
}
const Shape& agent_status_shape() {
  static const Shape s{"LINEAGENTSTATUS", &whole_agent_status,
                       {Field{TELSIM_AT(LINEAGENTSTATUS, dwGroupListSize), Kind::Binary},
                        Field{TELSIM_AT(LINEAGENTSTATUS, dwActivitySize), Kind::Text}}};
  return s;
}
/// LINEAGENTACTIVITYLIST, LINEAGENTGROUPLIST, LINEQUEUELIST: one list of entries.
const Shape& list_shape() {
  static const Shape s{"LINEAGENTGROUPLIST", &whole_list,
                       {Field{TELSIM_AT(LINEAGENTGROUPLIST, dwListSize), Kind::Binary}}};
  return s;
}
const Shape& queue_info_shape() {
  static const Shape s{"LINEQUEUEINFO", &whole_queue_info, {}};
  return s;
}

std::wstring text_at(const BYTE* base, DWORD total, DWORD size, DWORD offset) {
  if (size < sizeof(wchar_t) || offset > total || size > total - offset) return L"";
  std::wstring w(reinterpret_cast<const wchar_t*>(base + offset), size / sizeof(wchar_t));
  while (!w.empty() && w.back() == L'\0') w.pop_back();
  return w;
}

/// A list of entries in a provider's structure (`size_at`: its dwXxxSize, the offset after it;
/// `count` entries of `entry` bytes, each with one string whose size is at `name_at`) rebuilt
/// where it lands in the application's structure, in its character set.
void place_list(const BYTE* src, DWORD total, DWORD size_at, DWORD count, DWORD entry, DWORD name_at, Overrides& ov) {
  const DWORD size = rd(src, size_at), offset = rd(src, size_at + sizeof(DWORD));
  std::vector<std::vector<BYTE>> entries;
  std::vector<std::vector<NestedText>> texts;
  if (count && size >= count * entry && offset <= total && size <= total - offset) {
    for (DWORD i = 0; i < count; ++i) {
      const BYTE* e = src + offset + i * entry;
      entries.emplace_back(e, e + entry);
      texts.push_back({{name_at, text_at(src, total, rd(e, name_at), rd(e, name_at + sizeof(DWORD)))}});
    }
  }
  if (entries.empty()) {
    ov.bytes[size_at] = {};
    return;
  }
  ov.placed[size_at] = [entries, texts, entry](DWORD at, Conv conv) { return nested_list(entries, entry, texts, at, conv); };
}

/// Pack the provider's filled structure (of `type`) into the application's.
void pack_for_app(DWORD type, const BYTE* src, DWORD total, void* app, DWORD api_version, bool ansi) {
  const Conv conv = ansi ? Conv::WideToAnsi : Conv::None;
  Overrides ov;
  switch (type) {
    case LINEPROXYREQUEST_GETAGENTCAPS:
      pack(agent_caps_shape(), src, total, sizeof(LINEAGENTCAPS), app, agent_caps_fixed(api_version), conv);
      return;
    case LINEPROXYREQUEST_GETAGENTSTATUS:
      place_list(src, total, TELSIM_AT(LINEAGENTSTATUS, dwGroupListSize), rd(src, TELSIM_AT(LINEAGENTSTATUS, dwNumEntries)),
                 sizeof(LINEAGENTGROUPENTRY), TELSIM_AT(LINEAGENTGROUPENTRY, dwNameSize), ov);
      pack(agent_status_shape(), src, total, sizeof(LINEAGENTSTATUS), app, sizeof(LINEAGENTSTATUS), conv, &ov);
      return;
    case LINEPROXYREQUEST_GETQUEUEINFO:
      pack(queue_info_shape(), src, total, sizeof(LINEQUEUEINFO), app, sizeof(LINEQUEUEINFO), conv);
      return;
    default: {
      // A list: activities, groups or queues.
      const DWORD entry = type == LINEPROXYREQUEST_GETAGENTACTIVITYLIST ? sizeof(LINEAGENTACTIVITYENTRY)
                          : type == LINEPROXYREQUEST_GETQUEUELIST      ? sizeof(LINEQUEUEENTRY)
                                                                       : sizeof(LINEAGENTGROUPENTRY);
      const DWORD name_at = type == LINEPROXYREQUEST_GETAGENTACTIVITYLIST ? TELSIM_AT(LINEAGENTACTIVITYENTRY, dwNameSize)
                            : type == LINEPROXYREQUEST_GETQUEUELIST      ? TELSIM_AT(LINEQUEUEENTRY, dwNameSize)
                                                                         : TELSIM_AT(LINEAGENTGROUPENTRY, dwNameSize);
      place_list(src, total, TELSIM_AT(LINEAGENTGROUPLIST, dwListSize), rd(src, TELSIM_AT(LINEAGENTGROUPLIST, dwNumEntries)),
                 entry, name_at, ov);
      pack(list_shape(), src, total, sizeof(LINEAGENTGROUPLIST), app, sizeof(LINEAGENTGROUPLIST), conv, &ov);
      return;
    }
  }
}

/// The offset of the structure a GET request fills, inside LINEPROXYREQUEST.
DWORD result_at(DWORD type) {
  switch (type) {
    case LINEPROXYREQUEST_GETAGENTCAPS: return TELSIM_AT(LINEPROXYREQUEST, GetAgentCaps.AgentCaps);
    case LINEPROXYREQUEST_GETAGENTSTATUS: return TELSIM_AT(LINEPROXYREQUEST, GetAgentStatus.AgentStatus);
    case LINEPROXYREQUEST_GETAGENTACTIVITYLIST: return TELSIM_AT(LINEPROXYREQUEST, GetAgentActivityList.ActivityList);
    case LINEPROXYREQUEST_GETAGENTGROUPLIST: return TELSIM_AT(LINEPROXYREQUEST, GetAgentGroupList.GroupList);
    case LINEPROXYREQUEST_GETQUEUELIST: return TELSIM_AT(LINEPROXYREQUEST, GetQueueList.QueueList);
    case LINEPROXYREQUEST_GETQUEUEINFO: return TELSIM_AT(LINEPROXYREQUEST, GetQueueInfo.QueueInfo);
    case LINEPROXYREQUEST_GETGROUPLIST: return TELSIM_AT(LINEPROXYREQUEST, GetGroupList.GroupList);
    default: return 0;
  }
}

/// A proxy request of `type` for the provider: its bytes (`room` after the request for what it
/// carries or what the provider fills). `fill` sets the union's members.
template <typename Fill>
std::shared_ptr<std::vector<BYTE>> proxy_bytes(DWORD type, DWORD api_version, DWORD room, Fill&& fill) {
  auto b = std::make_shared<std::vector<BYTE>>(sizeof(LINEPROXYREQUEST) + room, 0);
  auto* pr = reinterpret_cast<LINEPROXYREQUEST*>(b->data());
  pr->dwSize = static_cast<DWORD>(b->size());
  pr->dwClientAppAPIVersion = api_version;
  pr->dwRequestType = type;
  fill(pr);
  return b;
}

/// Hand the request to the provider of `d` for the application `app` (its LINE_REPLY); a GET
/// request's structure is packed into `out` (the application's) when it succeeds.
LONG send_proxy(Device& d, DWORD app, DWORD_PTR instance, std::shared_ptr<std::vector<BYTE>> bytes, void* out,
                DWORD api_version, bool ansi) {
  Provider& p = *d.provider;
  if (!p.TELSIM_lineProxyRequest) return err(LINEERR_OPERATIONUNAVAIL);  // no agent handler
  auto* pr = reinterpret_cast<LINEPROXYREQUEST*>(bytes->data());
  const DWORD type = pr->dwRequestType;
  const HDRVLINE hd = d.hd;
  return async_request(app, instance, [&](Request& r) {
    if (out)
      r.on_complete = [bytes, out, type, api_version, ansi](LONG result) {
        if (result != 0) return;
        const DWORD at = result_at(type);
        const BYTE* src = bytes->data() + at;
        const DWORD total = static_cast<DWORD>(bytes->size()) - at;
        pack_for_app(type, src, std::min(total, rd(src, 0)), out, api_version, ansi);
      };
    return p.TELSIM_lineProxyRequest(r.id, hd, pr);
  });
}

/// The application's structure for a GET request: present, at least `fixed`; the room to give
/// the provider (UTF-16 strings take at most twice an ANSI caller's room).
LONG app_struct(const void* out, DWORD fixed, DWORD& room) {
  if (!out) return err(LINEERR_INVALPOINTER);
  const DWORD total = *static_cast<const DWORD*>(out);
  if (total < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  room = std::min<DWORD>(total, 1u << 20) * 2 + 4096;
  return 0;
}

/// A GET request on an open line.
template <typename Fill>
LONG get_on_line(DWORD hline, DWORD type, void* out, DWORD fixed, bool ansi, Fill&& fill) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  DWORD room = 0;
  if (LONG rc = app_struct(out, fixed, room); rc != 0) return rc;
  const DWORD at = result_at(type);
  auto bytes = proxy_bytes(type, l->api_version, room, [&](LINEPROXYREQUEST* pr) {
    fill(pr);
    // The structure the provider fills: all the room after it.
    const DWORD total = pr->dwSize - at;
    std::memcpy(reinterpret_cast<BYTE*>(pr) + at, &total, sizeof total);
  });
  return send_proxy(*d, l->app, l->instance, std::move(bytes), out, l->api_version, ansi);
}

/// A SET request on an open line.
template <typename Fill>
LONG set_on_line(DWORD hline, DWORD type, DWORD room, Fill&& fill) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  LONG bad = 0;
  auto bytes = proxy_bytes(type, l->api_version, room, [&](LINEPROXYREQUEST* pr) { bad = fill(pr); });
  if (bad) return bad;
  return send_proxy(*d, l->app, l->instance, std::move(bytes), nullptr, l->api_version, false);
}

LONG address_ok(DWORD hline, DWORD address) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  return address >= d->num_addresses ? err(LINEERR_INVALADDRESSID) : 0;
}

LONG agent_caps(DWORD happ, DWORD device, DWORD address, DWORD api_version, LPLINEAGENTCAPS caps, bool ansi) {
  Locked lk;
  Service& s = Service::get();
  App* a = s.line_app(happ);
  if (!a) return err(LINEERR_INVALAPPHANDLE);
  Device* d = s.device(device);
  if (!d) return err(LINEERR_BADDEVICEID);
  if (api_version < 0x00020000 || !version_ok(api_version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
  DWORD room = 0;
  if (LONG rc = app_struct(caps, agent_caps_fixed(api_version), room); rc != 0) return rc;
  if (!d->provider->TELSIM_lineProxyRequest) return err(LINEERR_OPERATIONUNAVAIL);
  // The provider answers for a line it has open (an application of this process opened it).
  if (!d->open || !d->hd) return err(LINEERR_OPERATIONUNAVAIL);
  const DWORD at = result_at(LINEPROXYREQUEST_GETAGENTCAPS);
  auto bytes = proxy_bytes(LINEPROXYREQUEST_GETAGENTCAPS, api_version, room, [&](LINEPROXYREQUEST* pr) {
    pr->GetAgentCaps.dwAddressID = address;
    const DWORD total = pr->dwSize - at;
    std::memcpy(reinterpret_cast<BYTE*>(pr) + at, &total, sizeof total);
  });
  return send_proxy(*d, a->handle, 0, std::move(bytes), caps, api_version, ansi);
}

LONG agent_status(DWORD hline, DWORD address, LPLINEAGENTSTATUS out, bool ansi) {
  if (LONG rc = address_ok(hline, address); rc != 0) return rc;
  return get_on_line(hline, LINEPROXYREQUEST_GETAGENTSTATUS, out, sizeof(LINEAGENTSTATUS), ansi,
                     [&](LINEPROXYREQUEST* pr) { pr->GetAgentStatus.dwAddressID = address; });
}

LONG activity_list(DWORD hline, DWORD address, LPLINEAGENTACTIVITYLIST out, bool ansi) {
  if (LONG rc = address_ok(hline, address); rc != 0) return rc;
  return get_on_line(hline, LINEPROXYREQUEST_GETAGENTACTIVITYLIST, out, sizeof(LINEAGENTACTIVITYLIST), ansi,
                     [&](LINEPROXYREQUEST* pr) { pr->GetAgentActivityList.dwAddressID = address; });
}

LONG agent_group_list(DWORD hline, DWORD address, LPLINEAGENTGROUPLIST out, bool ansi) {
  if (LONG rc = address_ok(hline, address); rc != 0) return rc;
  return get_on_line(hline, LINEPROXYREQUEST_GETAGENTGROUPLIST, out, sizeof(LINEAGENTGROUPLIST), ansi,
                     [&](LINEPROXYREQUEST* pr) { pr->GetAgentGroupList.dwAddressID = address; });
}

LONG group_list(DWORD hline, LPLINEAGENTGROUPLIST out, bool ansi) {
  return get_on_line(hline, LINEPROXYREQUEST_GETGROUPLIST, out, sizeof(LINEAGENTGROUPLIST), ansi, [](LINEPROXYREQUEST*) {});
}

LONG queue_list(DWORD hline, LPGUID group, LPLINEQUEUELIST out, bool ansi) {
  if (!group) return err(LINEERR_INVALPOINTER);
  const GUID g = *group;
  return get_on_line(hline, LINEPROXYREQUEST_GETQUEUELIST, out, sizeof(LINEQUEUELIST), ansi,
                     [&](LINEPROXYREQUEST* pr) { pr->GetQueueList.GroupID = g; });
}

LONG queue_info(DWORD hline, DWORD queue, LPLINEQUEUEINFO out) {
  return get_on_line(hline, LINEPROXYREQUEST_GETQUEUEINFO, out, sizeof(LINEQUEUEINFO), false,
                     [&](LINEPROXYREQUEST* pr) { pr->GetQueueInfo.dwQueueID = queue; });
}

/// lineSetAgentGroup: the application's LINEAGENTGROUPLIST (its names ANSI for an application
/// that initialised through an A function) as the provider's, in UTF-16.
LONG set_agent_group(DWORD hline, DWORD address, const LINEAGENTGROUPLIST* in) {
  if (LONG rc = address_ok(hline, address); rc != 0) return rc;
  if (!in) return err(LINEERR_INVALPOINTER);
  if (in->dwTotalSize < sizeof(LINEAGENTGROUPLIST)) return err(LINEERR_STRUCTURETOOSMALL);
  const auto* base = reinterpret_cast<const BYTE*>(in);
  const DWORD total = in->dwTotalSize, n = in->dwNumEntries;
  if (n > 4096 || in->dwListSize < n * sizeof(LINEAGENTGROUPENTRY) || in->dwListOffset > total ||
      in->dwListSize > total - in->dwListOffset || (n && in->dwListOffset < sizeof(LINEAGENTGROUPLIST)))
    return err(LINEERR_INVALAGENTGROUP);
  bool unicode = true;
  {
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
    if (App* a = Service::get().app(l->app)) unicode = a->unicode;
  }
  std::vector<std::vector<BYTE>> entries;
  std::vector<std::vector<NestedText>> texts;
  for (DWORD i = 0; i < n; ++i) {
    LINEAGENTGROUPENTRY e;
    std::memcpy(&e, base + in->dwListOffset + i * sizeof e, sizeof e);
    std::wstring name;
    if (e.dwNameSize && e.dwNameOffset <= total && e.dwNameSize <= total - e.dwNameOffset) {
      if (unicode) {
        name = text_at(base, total, e.dwNameSize, e.dwNameOffset);
      } else {
        std::string a(reinterpret_cast<const char*>(base + e.dwNameOffset), e.dwNameSize);
        while (!a.empty() && a.back() == '\0') a.pop_back();
        name = wide(a.c_str());
      }
    }
    e.dwNameSize = e.dwNameOffset = 0;
    const auto* eb = reinterpret_cast<const BYTE*>(&e);
    entries.emplace_back(eb, eb + sizeof e);
    texts.push_back({{TELSIM_AT(LINEAGENTGROUPENTRY, dwNameSize), name}});
  }
  const DWORD list_at = TELSIM_AT(LINEPROXYREQUEST, SetAgentGroup.GroupList);
  // Entries and names are placed after the list's fixed part (offsets from the list's start).
  const std::vector<BYTE> list = nested_list(entries, sizeof(LINEAGENTGROUPENTRY), texts, sizeof(LINEAGENTGROUPLIST), Conv::None);
  return set_on_line(hline, LINEPROXYREQUEST_SETAGENTGROUP, static_cast<DWORD>(list.size()) + 64, [&](LINEPROXYREQUEST* pr) {
    pr->SetAgentGroup.dwAddressID = address;
    LINEAGENTGROUPLIST& g = pr->SetAgentGroup.GroupList;
    g.dwTotalSize = pr->dwSize - list_at;
    g.dwNeededSize = g.dwUsedSize = sizeof(LINEAGENTGROUPLIST) + static_cast<DWORD>(list.size());
    g.dwNumEntries = n;
    g.dwListSize = n * sizeof(LINEAGENTGROUPENTRY);
    g.dwListOffset = n ? sizeof(LINEAGENTGROUPLIST) : 0;
    std::memcpy(reinterpret_cast<BYTE*>(&g) + sizeof(LINEAGENTGROUPLIST), list.data(), list.size());
    return 0L;
  });
}

}  // namespace
}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineGetAgentCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID, DWORD dwAppAPIVersion,
                              LPLINEAGENTCAPS lpAgentCaps) {
  return guarded(__func__, [&] { return agent_caps(hLineApp, dwDeviceID, dwAddressID, dwAppAPIVersion, lpAgentCaps, true); });
}
LONG WINAPI lineGetAgentCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID, DWORD dwAppAPIVersion,
                              LPLINEAGENTCAPS lpAgentCaps) {
  return guarded(__func__, [&] { return agent_caps(hLineApp, dwDeviceID, dwAddressID, dwAppAPIVersion, lpAgentCaps, false); });
}
LONG WINAPI lineGetAgentStatusA(HLINE hLine, DWORD dwAddressID, LPLINEAGENTSTATUS lpAgentStatus) {
  return guarded(__func__, [&] { return agent_status(hLine, dwAddressID, lpAgentStatus, true); });
}
LONG WINAPI lineGetAgentStatusW(HLINE hLine, DWORD dwAddressID, LPLINEAGENTSTATUS lpAgentStatus) {
  return guarded(__func__, [&] { return agent_status(hLine, dwAddressID, lpAgentStatus, false); });
}
LONG WINAPI lineGetAgentActivityListA(HLINE hLine, DWORD dwAddressID, LPLINEAGENTACTIVITYLIST lpList) {
  return guarded(__func__, [&] { return activity_list(hLine, dwAddressID, lpList, true); });
}
LONG WINAPI lineGetAgentActivityListW(HLINE hLine, DWORD dwAddressID, LPLINEAGENTACTIVITYLIST lpList) {
  return guarded(__func__, [&] { return activity_list(hLine, dwAddressID, lpList, false); });
}
LONG WINAPI lineGetAgentGroupListA(HLINE hLine, DWORD dwAddressID, LPLINEAGENTGROUPLIST lpList) {
  return guarded(__func__, [&] { return agent_group_list(hLine, dwAddressID, lpList, true); });
}
LONG WINAPI lineGetAgentGroupListW(HLINE hLine, DWORD dwAddressID, LPLINEAGENTGROUPLIST lpList) {
  return guarded(__func__, [&] { return agent_group_list(hLine, dwAddressID, lpList, false); });
}
LONG WINAPI lineGetGroupListA(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList) {
  return guarded(__func__, [&] { return group_list(hLine, lpGroupList, true); });
}
LONG WINAPI lineGetGroupListW(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList) {
  return guarded(__func__, [&] { return group_list(hLine, lpGroupList, false); });
}
LONG WINAPI lineGetQueueListA(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList) {
  return guarded(__func__, [&] { return queue_list(hLine, lpGroupID, lpQueueList, true); });
}
LONG WINAPI lineGetQueueListW(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList) {
  return guarded(__func__, [&] { return queue_list(hLine, lpGroupID, lpQueueList, false); });
}
LONG WINAPI lineGetQueueInfo(HLINE hLine, DWORD dwQueueID, LPLINEQUEUEINFO lpLineQueueInfo) {
  return guarded(__func__, [&] { return queue_info(hLine, dwQueueID, lpLineQueueInfo); });
}
LONG WINAPI lineSetAgentState(HLINE hLine, DWORD dwAddressID, DWORD dwAgentState, DWORD dwNextAgentState) {
  return guarded(__func__, [&] {
    if (LONG rc = address_ok(hLine, dwAddressID); rc != 0) return rc;
    return set_on_line(hLine, LINEPROXYREQUEST_SETAGENTSTATE, 0, [&](LINEPROXYREQUEST* pr) {
      pr->SetAgentState.dwAddressID = dwAddressID;
      pr->SetAgentState.dwAgentState = dwAgentState;
      pr->SetAgentState.dwNextAgentState = dwNextAgentState;
      return 0L;
    });
  });
}
LONG WINAPI lineSetAgentStateEx(HLINE hLine, HAGENT hAgent, DWORD dwAgentState, DWORD dwNextAgentState) {
  return guarded(__func__, [&] {
    return set_on_line(hLine, LINEPROXYREQUEST_SETAGENTSTATEEX, 0, [&](LINEPROXYREQUEST* pr) {
      pr->SetAgentStateEx.hAgent = hAgent;
      pr->SetAgentStateEx.dwAgentState = dwAgentState;
      pr->SetAgentStateEx.dwNextAgentState = dwNextAgentState;
      return 0L;
    });
  });
}
LONG WINAPI lineSetAgentActivity(HLINE hLine, DWORD dwAddressID, DWORD dwActivityID) {
  return guarded(__func__, [&] {
    if (LONG rc = address_ok(hLine, dwAddressID); rc != 0) return rc;
    return set_on_line(hLine, LINEPROXYREQUEST_SETAGENTACTIVITY, 0, [&](LINEPROXYREQUEST* pr) {
      pr->SetAgentActivity.dwAddressID = dwAddressID;
      pr->SetAgentActivity.dwActivityID = dwActivityID;
      return 0L;
    });
  });
}
LONG WINAPI lineSetAgentGroup(HLINE hLine, DWORD dwAddressID, LPLINEAGENTGROUPLIST lpAgentGroupList) {
  return guarded(__func__, [&] { return set_agent_group(hLine, dwAddressID, lpAgentGroupList); });
}

}  // extern "C"
