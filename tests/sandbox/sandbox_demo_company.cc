// The demo company the gong-sandbox binary serves (SeedDemoCompany in
// sandbox_gong.h): enough flows and prospects that every rule of the model
// shows in it, with fixed ids and dates so that every run answers the same.
//
// What it shows, by prospect (CRM ids 003DEMO000000001 to ...010):
//   001, 002     open in the exclusive "Enterprise outbound", so assigning
//                them anywhere else is refused
//   003          open in two non-exclusive flows at once
//   004, 010     one open and one finished instance
//   005          Pending in Ana's Personal flow
//   006          only a finished instance (of the exclusive flow): free
//   007          in Bruno's Personal flow in the EMEA workspace
//   008          only Finished; 009 Running (both in "Trial nurture", EMEA)
// Ana sees five flows (all but Bruno's Personal one); Chen, with no Personal
// flow, four. Newest instance first, Ana's flows are 001, 003, 004, 006, 002
// (flow ids end so), which differs from their id order.
//
// Folders (ids 7000000000000000101 to ...108), nested two deep:
//   101 Outbound (Company)        104 Enterprise (Company), 105 Ana's drafts
//                                 (Personal, Ana's)
//   102 Inbound (Company)         106 Webinars (Shared, Bruno's)
//   103 Customer success (Company)
//   107 EMEA (Company, EMEA)      108 Bruno's EMEA (Personal, Bruno's)
// Ana sees seven (not 108), Bruno seven (not 105), Chen six.
// Every flow has steps (2 to 5), every action among them; the Enterprise
// outbound flow has five, so assign overrides steps 1 to 5 there and
// refuses step 6.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "sandbox/sandbox_flows.h"
#include "sandbox/sandbox_gong.h"

namespace gong::sandbox {
namespace {

struct User {
  const char* email;
  const char* full_name;
};
constexpr User kAna = {"ana@example.com", "Ana Silva"};
constexpr User kBruno = {"bruno@example.com", "Bruno Costa"};
constexpr User kChen = {"chen@example.com", "Chen Wei"};
constexpr User kDana = {"dana@example.com", "Dana Levi"};

constexpr char kMainWorkspace[] = "6100000000000000001";
constexpr char kEmeaWorkspace[] = "6100000000000000002";

absl::Time At(int month, int day, int hour, int minute, int second = 0,
              int millisecond = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, month, day, hour, minute, second),
                         CompanyTimeZone()) +
         absl::Milliseconds(millisecond);
}

SandboxFlow Flow(const char* id, const char* name, const char* folder_id,
                 const char* folder_name, FlowVisibility visibility, const User& owner,
                 const char* workspace_id, absl::Time created, bool exclusive) {
  SandboxFlow flow;
  flow.id = id;
  flow.name = name;
  flow.folder_id = folder_id;
  flow.folder_name = folder_name;
  flow.visibility = visibility;
  flow.owner_email = owner.email;
  flow.owner_full_name = owner.full_name;
  flow.workspace_id = workspace_id;
  flow.creation_date = created;
  flow.exclusive = exclusive;
  return flow;
}

SandboxFolder Folder(const char* id, const char* name, FlowVisibility visibility,
                     const User& owner, const char* workspace_id, const char* parent_id,
                     absl::Time created) {
  SandboxFolder folder;
  folder.id = id;
  folder.name = name;
  folder.visibility = visibility;
  folder.owner_email = owner.email;
  folder.workspace_id = workspace_id;
  folder.parent_id = parent_id;
  folder.creation_date = created;
  return folder;
}

// Steps numbered from 1 in the order given; their ids are the flow's id's
// last digits and the step's number, so that they are unique and say whose
// they are.
void AddSteps(SandboxFlow* flow, const std::vector<SandboxStep>& steps) {
  for (const SandboxStep& step : steps) {
    SandboxStep numbered = step;
    numbered.id = absl::StrCat("74", flow->id.substr(flow->id.size() - 3), "0000000000",
                               flow->steps.size() + 1);
    flow->steps.push_back(std::move(numbered));
  }
}

SandboxStep Email(const char* subject, const char* body, bool reply = false) {
  return {"", StepAction::kSendEmail, subject, body, reply};
}
SandboxStep Step(StepAction action, const char* body = "") {
  return {"", action, "", body, false};
}

SandboxInstance Instance(const char* id, const char* flow_id, const char* crm_id,
                         const User& owner, absl::Time created,
                         FlowInstanceStatus status) {
  SandboxInstance instance;
  instance.id = id;
  instance.flow_id = flow_id;
  instance.crm_prospect_id = crm_id;
  instance.owner_email = owner.email;
  instance.owner_full_name = owner.full_name;
  instance.create_date = created;
  instance.status = status;
  return instance;
}

}  // namespace

void SeedDemoCompany(Options* options) {
  constexpr char kOutbound[] = "7000000000000000101";
  constexpr char kInbound[] = "7000000000000000102";
  constexpr char kSuccess[] = "7000000000000000103";
  constexpr char kEnterprise[] = "7100000000000000001";
  constexpr char kWebinar[] = "7100000000000000002";
  constexpr char kWarmLeads[] = "7100000000000000003";
  constexpr char kRenewal[] = "7100000000000000004";
  constexpr char kEmeaCold[] = "7100000000000000005";
  constexpr char kTrial[] = "7100000000000000006";
  using V = FlowVisibility;
  std::vector<SandboxFlow> flows = {
      Flow(kEnterprise, "Enterprise outbound", kOutbound, "Outbound", V::kCompany, kAna,
           kMainWorkspace, At(3, 2, 10, 0), /*exclusive=*/true),
      Flow(kWebinar, "Webinar follow-up", kInbound, "Inbound", V::kCompany, kBruno,
           kMainWorkspace, At(4, 14, 16, 45), false),
      Flow(kWarmLeads, "Ana's warm leads", kOutbound, "Outbound", V::kPersonal, kAna,
           kMainWorkspace, At(5, 20, 8, 30), false),
      Flow(kRenewal, "Renewal check-in", kSuccess, "Customer success", V::kShared, kChen,
           kMainWorkspace, At(6, 8, 11, 0), false),
      Flow(kEmeaCold, "EMEA cold outreach", kOutbound, "Outbound", V::kPersonal, kBruno,
           kEmeaWorkspace, At(7, 1, 2, 15), false),
      Flow(kTrial, "Trial nurture", kInbound, "Inbound", V::kCompany, kDana,
           kEmeaWorkspace, At(8, 19, 13, 5), false),
  };
  using A = StepAction;
  AddSteps(&flows[0], {Email("Quick question, {{first_name}}", "Hi {{first_name}},"),
                       Step(A::kLinkedInConnect),
                       Email("Re: Quick question", "Following up.", /*reply=*/true),
                       Step(A::kCall, "Ask about their renewal date"),
                       {"", A::kAutoSendEmail, "Closing the loop", "Last note.", false}});
  AddSteps(&flows[1], {{"", A::kAutoSendEmail, "Thanks for joining", "Slides.", false},
                       Email("Any questions?", "Happy to help.", /*reply=*/true)});
  AddSteps(&flows[2], {Step(A::kLinkedInMessage, "Saw your post"), Step(A::kCall),
                       Email("Coffee?", "In town next week.")});
  AddSteps(&flows[3],
           {Step(A::kCustom, "Check usage"), Email("Renewal", "Your plan renews soon.")});
  AddSteps(&flows[4],
           {Email("Hallo", "Kurze Frage."), Step(A::kLinkedInConnect), Step(A::kCall)});
  AddSteps(&flows[5], {{"", A::kAutoSendEmail, "Welcome", "Getting started.", false},
                       Step(A::kCustom, "Book onboarding"),
                       Email("How is the trial?", "Any blockers?", /*reply=*/true)});
  flows[0].description = "Cold outreach to enterprise accounts";
  flows[5].description = "Trial users, first two weeks";
  constexpr char kEnterpriseFolder[] = "7000000000000000104";
  constexpr char kDrafts[] = "7000000000000000105";
  constexpr char kWebinars[] = "7000000000000000106";
  constexpr char kEmea[] = "7000000000000000107";
  constexpr char kBrunoEmea[] = "7000000000000000108";
  const std::vector<SandboxFolder> folders = {
      Folder(kOutbound, "Outbound", V::kCompany, kAna, kMainWorkspace, "",
             At(1, 5, 9, 0)),
      Folder(kInbound, "Inbound", V::kCompany, kBruno, kMainWorkspace, "",
             At(1, 5, 9, 5)),
      Folder(kSuccess, "Customer success", V::kCompany, kChen, kMainWorkspace, "",
             At(1, 6, 10, 0)),
      Folder(kEnterpriseFolder, "Enterprise", V::kCompany, kAna, kMainWorkspace,
             kOutbound, At(2, 1, 9, 30)),
      Folder(kDrafts, "Ana's drafts", V::kPersonal, kAna, kMainWorkspace, kOutbound,
             At(2, 3, 14, 0)),
      Folder(kWebinars, "Webinars", V::kShared, kBruno, kMainWorkspace, kInbound,
             At(2, 10, 11, 15)),
      Folder(kEmea, "EMEA", V::kCompany, kDana, kEmeaWorkspace, "", At(3, 1, 8, 0)),
      Folder(kBrunoEmea, "Bruno's EMEA", V::kPersonal, kBruno, kEmeaWorkspace, kEmea,
             At(3, 2, 8, 45)),
  };
  using S = FlowInstanceStatus;
  const std::vector<SandboxInstance> instances = {
      Instance("7300000000000000001", kEnterprise, "003DEMO000000001", kAna,
               At(11, 30, 9, 15, 0, 250), S::kRunning),
      Instance("7300000000000000002", kEnterprise, "003DEMO000000002", kAna,
               At(11, 20, 14, 2, 11), S::kPaused),
      Instance("7300000000000000003", kWebinar, "003DEMO000000003", kBruno,
               At(11, 25, 11, 30), S::kRunning),
      Instance("7300000000000000004", kRenewal, "003DEMO000000003", kChen,
               At(11, 28, 10, 0), S::kPending),
      Instance("7300000000000000005", kWebinar, "003DEMO000000004", kBruno,
               At(10, 2, 9, 0), S::kFinishedResponse),
      Instance("7300000000000000006", kRenewal, "003DEMO000000004", kChen,
               At(11, 10, 15, 20), S::kRunning),
      Instance("7300000000000000007", kWarmLeads, "003DEMO000000005", kAna,
               At(11, 29, 17, 40), S::kPending),
      Instance("7300000000000000008", kEnterprise, "003DEMO000000006", kAna,
               At(9, 15, 8, 0), S::kFinishedNoReply),
      Instance("7300000000000000009", kEmeaCold, "003DEMO000000007", kBruno,
               At(11, 18, 1, 30), S::kRunning),
      Instance("7300000000000000010", kTrial, "003DEMO000000008", kDana, At(8, 30, 12, 0),
               S::kFinished),
      Instance("7300000000000000011", kTrial, "003DEMO000000009", kDana,
               At(11, 27, 12, 10), S::kRunning),
      Instance("7300000000000000012", kWebinar, "003DEMO000000010", kBruno,
               At(11, 5, 10, 45), S::kPaused),
      Instance("7300000000000000013", kRenewal, "003DEMO000000010", kChen,
               At(10, 20, 16, 0), S::kFinishedNoReply),
  };
  options->flows.insert(options->flows.end(), flows.begin(), flows.end());
  options->folders.insert(options->folders.end(), folders.begin(), folders.end());
  options->instances.insert(options->instances.end(), instances.begin(), instances.end());
}

}  // namespace gong::sandbox
