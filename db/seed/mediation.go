package seed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

type committee struct {
	id        int64
	name      string
	level     string
	community *community
	station   *station
	grids     []*grid // the grids it serves
	mediators []*mediator
	byKind    map[string][]*mediator
}

type mediator struct {
	id        int64
	person    *person
	committee *committee
	kind      string
}

func (m *mediator) actor() string { return fmt.Sprintf("mediator:%d", m.id) }

type dispute struct {
	id         int64
	no         string
	committee  *committee
	source     string
	refCase    *policeCase
	event      *gridEvent
	grid       *grid
	estate     *estate
	category   string
	difficulty string
	amount     int64 // cents; negative: none
	summary    string
	received   time.Time
	path       path
	outcome    string
	deadline   time.Time // performance deadline of the agreement, if one is reached
	lead       *mediator
	parties    []*disputeParty
	seq        int
}

func (d *dispute) logID() int64     { return d.id }
func (d *dispute) logSteps() []step { return d.path.steps }

type disputeParty struct {
	id      int64
	dispute *dispute
	person  *person
	side    string
}

type disputeMediator struct {
	id       int64
	dispute  *dispute
	mediator *mediator
	role     string
}

type session struct {
	id         int64
	dispute    *dispute
	held       time.Time
	place      string
	approaches []string
	record     string
}

type agreement struct {
	id       int64
	dispute  *dispute
	form     string
	terms    string
	deadline time.Time
	signed   time.Time
	judicial string
}

type followUp struct {
	id           int64
	agreement    *agreement
	visited      time.Time
	visitor      string
	performance  string
	satisfaction int // 0: not recorded
	newRisk      bool
}

// mediationTemplates are the texts of disputes, sessions and agreements.
const mediationTemplates = `
dispute.NEIGHBOUR: {estate}居民{a}与邻居{b}因楼上漏水造成损失发生纠纷 | {estate}居民{a}与{b}因楼道堆物、占用公共空间发生纠纷 | {a}与邻居{b}因噪音扰民问题多次发生争执 | {a}与{b}因宠物伤人赔偿问题发生纠纷
dispute.FAMILY: {a}与{b}因赡养老人费用分担发生纠纷 | {a}与{b}因房屋继承问题发生家庭纠纷 | {a}与{b}夫妻因家庭琐事矛盾激化
dispute.PROPERTY_MANAGEMENT: {estate}业主{a}与物业公司因物业费收缴发生纠纷 | {estate}业主{a}因电梯维修费用分摊与物业及其他业主产生纠纷 | {estate}业主{a}因车位管理与物业发生纠纷
dispute.LABOUR: {a}与雇主{b}因拖欠工资发生纠纷 | 装修工人{a}与{b}因工程款结算发生纠纷 | {a}因工伤赔偿与{b}发生纠纷
dispute.CONSUMER: {a}与商户经营者{b}因预付卡退费发生纠纷 | {a}与{b}因网购商品质量问题发生纠纷 | {a}与装修公司负责人{b}因装修质量发生纠纷
dispute.TRAFFIC: {a}与{b}因非机动车与行人碰撞赔偿发生纠纷 | {a}与{b}因车辆剐蹭赔偿金额发生纠纷
dispute.DAMAGES: {a}与{b}因财物损坏赔偿发生纠纷 | {a}与{b}因房屋租赁押金返还发生纠纷 | {a}与{b}因借款归还问题发生纠纷
dispute.OTHER: {a}与{b}因宅前屋后环境问题发生纠纷 | {a}与{b}因合伙经营分账问题发生纠纷
session.record: 调解员{m}分别听取了{a}、{b}的陈述，释明相关法律规定，双方情绪逐步平稳。 | 调解员{m}组织双方面对面沟通，{a}提出诉求，{b}表示愿意协商。 | 调解员{m}采取背对背方式分别做双方工作，缩小分歧。 | 调解员{m}上门走访了解情况，对{a}进行情绪疏导，约定下次调解时间。 | 调解员{m}邀请社区老党员参与调解，从邻里情分入手做{b}的工作。
terms: 经调解，{b}同意于{deadline}前向{a}支付{amount}元，双方就此事再无其他纠纷。 | 经调解，双方自愿达成如下协议：{b}于{deadline}前赔偿{a}{amount}元；{a}不再追究其他责任。 | 经调解，{b}承诺于{deadline}前完成整改，{a}表示谅解，双方和好如初。 | 经调解，双方同意按协商方案分担相关费用，于{deadline}前履行完毕。
outcome.DECLINED: 不属于人民调解受理范围，已告知当事人其他解决途径 | 一方当事人明确拒绝调解，不予受理
outcome.WITHDRAWN: 当事人自行和解，撤回调解申请 | 申请人撤回调解申请
outcome.FAILED: 调解不成，已告知当事人依法通过诉讼等途径解决 | 双方分歧较大，调解终结
outcome.PERFORMED: 达成调解协议并已履行完毕 | 协议已按约履行，当事人表示满意
outcome.ARCHIVED: 达成调解协议并已履行完毕，卷宗已归档
outcome.LITIGATION: 调解协议未履行，当事人已向人民法院起诉
`

func (w *world) genCommittees() {
	add := func(c *committee) {
		c.id = int64(len(w.committees) + 1)
		c.byKind = map[string][]*mediator{}
		w.committees = append(w.committees, c)
	}
	add(&committee{name: w.streetName + "人民调解委员会", level: "STREET", grids: w.grids})
	for _, c := range w.communities {
		cm := &committee{name: c.name + "人民调解委员会", level: "COMMUNITY", community: c, grids: c.grids}
		c.committee = cm
		add(cm)
	}
	for _, st := range w.stations {
		cm := &committee{name: st.name + "驻所人民调解室", level: "IN_STATION", station: st}
		for _, c := range st.communities {
			cm.grids = append(cm.grids, c.grids...)
		}
		st.committee = cm
		add(cm)
	}

	r := w.rng("mediation.mediator")
	counts := map[string][]int{ // FULL_TIME PART_TIME COMMUNITY_NOTABLE LAWYER GRID_WORKER POLICE_LIAISON
		"STREET":     {3, 2, 2, 3, 2, 0},
		"COMMUNITY":  {1, 2, 2, 1, 2, 0},
		"IN_STATION": {2, 1, 1, 1, 1, 2},
	}
	kinds := []string{"FULL_TIME", "PART_TIME", "COMMUNITY_NOTABLE", "LAWYER", "GRID_WORKER", "POLICE_LIAISON"}
	for _, cm := range w.committees {
		var taken []*person
		for ki, kind := range kinds {
			for range counts[cm.level][ki] {
				var p *person
				if kind == "GRID_WORKER" {
					p = w.gridWorkerPerson(r, cm.grids, taken)
				} else {
					minAge := 30
					if kind == "COMMUNITY_NOTABLE" {
						minAge = 55
					}
					p = w.residentAged(r, cm.grids, minAge, 72, taken)
				}
				taken = append(taken, p)
				m := &mediator{id: int64(len(w.mediators) + 1), person: p, committee: cm, kind: kind}
				cm.mediators = append(cm.mediators, m)
				cm.byKind[kind] = append(cm.byKind[kind], m)
				w.mediators = append(w.mediators, m)
			}
		}
	}
}

// residentAged returns a person with an identity number living in one of grids and aged
// between lo and hi at the start of the period, not in taken.
func (w *world) residentAged(r *rand.Rand, grids []*grid, lo, hi int, taken []*person) *person {
	for range 200 {
		g := pick(r, grids)
		if len(g.residents) == 0 {
			continue
		}
		p := pick(r, g.residents)
		if a := w.ageOn(p, w.start); p.idNo != "" && a >= lo && a <= hi && !slices.Contains(taken, p) {
			return p
		}
	}
	return w.pickParty(r, nil, w.start, 30, taken)
}

// gridWorkerPerson returns the person of a grid worker in post in one of grids, not in taken.
func (w *world) gridWorkerPerson(r *rand.Rand, grids []*grid, taken []*person) *person {
	for range 100 {
		g := pick(r, grids)
		gw := pick(r, g.workers)
		if gw.to.IsZero() && !slices.Contains(taken, gw.person) {
			return gw.person
		}
	}
	for _, g := range grids {
		for _, gw := range g.workers {
			if !slices.Contains(taken, gw.person) {
				return gw.person
			}
		}
	}
	return w.residentAged(r, grids, 25, 60, taken)
}

// caseToDisputeCategory maps a civil-dispute case category to the dispute category.
func caseToDisputeCategory(c string) string {
	switch c {
	case "NEIGHBOUR_DISPUTE":
		return "NEIGHBOUR"
	case "FAMILY_DISPUTE":
		return "FAMILY"
	case "PROPERTY_DISPUTE":
		return "PROPERTY_MANAGEMENT"
	case "LABOUR_DISPUTE":
		return "LABOUR"
	case "CONSUMER_DISPUTE":
		return "CONSUMER"
	}
	return "OTHER"
}

// disputeToEventCategory maps a dispute category to the grid event category it was reported as.
func disputeToEventCategory(c string) string {
	switch c {
	case "NEIGHBOUR":
		return "NEIGHBOUR_CONFLICT"
	case "FAMILY":
		return "FAMILY_CONFLICT"
	case "PROPERTY_MANAGEMENT":
		return "PROPERTY_MANAGEMENT"
	case "LABOUR":
		return "LABOUR"
	}
	return "OTHER"
}

// genDisputes creates the disputes: about 40% police referrals of non-police civil-dispute
// cases, the rest from the other sources (grid reports create their converted grid event).
func (w *world) genDisputes() {
	r := w.rng("mediation.dispute")
	n := w.sz.disputes

	var eligible []*policeCase
	for _, c := range w.cases {
		if c.kind != "NON_POLICE" || !isCivilDispute(c.category) {
			continue
		}
		if t, ok := c.path.when("REFERRED"); ok && t.Before(w.end.Add(-6*time.Hour)) {
			eligible = append(eligible, c)
		}
	}
	r.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })
	referrals := eligible[:min(int(math.Round(0.4*float64(n))), len(eligible))]
	slices.SortFunc(referrals, func(a, b *policeCase) int { return cmp.Compare(a.id, b.id) })

	source := parseWeights("PARTY_APPLICATION:30 GRID_REPORT:12 COMMITTEE_INITIATIVE:10 COURT_ENTRUSTMENT:8")
	level := map[string]weights{
		"POLICE_REFERRAL":      parseWeights("IN_STATION:70 COMMUNITY:25 STREET:5"),
		"PARTY_APPLICATION":    parseWeights("COMMUNITY:70 STREET:20 IN_STATION:10"),
		"COMMITTEE_INITIATIVE": parseWeights("COMMUNITY:80 STREET:20"),
		"COURT_ENTRUSTMENT":    parseWeights("STREET:70 COMMUNITY:30"),
		"GRID_REPORT":          parseWeights("COMMUNITY:85 STREET:15"),
	}
	category := map[string]weights{
		"COURT_ENTRUSTMENT": parseWeights("TRAFFIC:25 DAMAGES:25 LABOUR:15 FAMILY:15 NEIGHBOUR:10 CONSUMER:10"),
		"GRID_REPORT":       parseWeights("NEIGHBOUR:40 FAMILY:15 PROPERTY_MANAGEMENT:30 LABOUR:10 OTHER:5"),
		"":                  parseWeights("NEIGHBOUR:30 FAMILY:18 PROPERTY_MANAGEMENT:18 LABOUR:8 CONSUMER:8 TRAFFIC:6 DAMAGES:8 OTHER:4"),
	}
	pickCommittee := func(src string, c *policeCase) *committee {
		switch level[src].pick(r) {
		case "IN_STATION":
			if c != nil {
				return c.station.committee
			}
			return pick(r, w.stations).committee
		case "COMMUNITY":
			if c != nil {
				return c.grid.community.committee
			}
			return pick(r, w.communities).committee
		}
		return w.committees[0]
	}

	for i := range max(n, len(referrals)) {
		d := &dispute{seq: i, amount: -1}
		if i < len(referrals) {
			c := referrals[i]
			ref, _ := c.path.when("REFERRED")
			d.source, d.refCase, d.grid, d.estate = "POLICE_REFERRAL", c, c.grid, c.estate
			d.category = caseToDisputeCategory(c.category)
			d.received = ref.Add(dur(r, 5*time.Minute, 6*time.Hour))
			d.committee = pickCommittee(d.source, c)
			c.referral = d
		} else {
			d.source = source.pick(r)
			d.received = w.moment(r, w.start.Add(2*day), w.end)
			d.committee = pickCommittee(d.source, nil)
			d.grid = pick(r, d.committee.grids)
			cw, ok := category[d.source]
			if !ok {
				cw = category[""]
			}
			d.category = cw.pick(r)
			if len(d.grid.estates) > 0 && (chance(r, 0.5) || d.category == "PROPERTY_MANAGEMENT") {
				d.estate = pick(r, d.grid.estates)
			}
		}
		d.difficulty = "ORDINARY"
		pDifficult := 0.18
		if d.category == "LABOUR" || d.category == "PROPERTY_MANAGEMENT" {
			pDifficult = 0.32
		}
		if chance(r, pDifficult) {
			d.difficulty = "DIFFICULT"
		}
		d.amount = disputeAmount(r, d.category)
		d.lead = leadMediator(r, d.committee)
		w.disputePath(r, d)
		w.disputes = append(w.disputes, d)
	}

	slices.SortFunc(w.disputes, func(a, b *dispute) int {
		return cmp.Or(a.received.Compare(b.received), cmp.Compare(a.seq, b.seq))
	})
	perYear := map[int]int{}
	for i, d := range w.disputes {
		d.id = int64(i + 1)
		y := w.localYear(d.received)
		perYear[y]++
		d.no = fmt.Sprintf("T%d-%05d", y, perYear[y])
		d.grid.disputes = append(d.grid.disputes, d)
	}

	// parties, summaries and the grid events that grid-report disputes came from
	rp := w.rng("mediation.dispute_party")
	for _, d := range w.disputes {
		var a *person
		if d.refCase != nil {
			a = d.refCase.parties[0].person
		} else {
			a = w.pickParty(rp, d.grid, d.received, 18, nil)
		}
		b := w.pickParty(rp, d.grid, d.received, 18, []*person{a})
		d.addParty(w, a, "APPLICANT")
		d.addParty(w, b, "RESPONDENT")
		if chance(rp, 0.3) {
			d.addParty(w, w.pickParty(rp, d.grid, d.received, 18, []*person{a, b}), "THIRD_PARTY")
		}
		est := "辖区"
		if d.estate != nil {
			est = d.estate.name
		}
		d.summary = w.txt.tpl(rp, "dispute."+d.category, "{estate}", est, "{a}", a.name, "{b}", b.name)
		if d.refCase != nil {
			d.summary = d.refCase.station.name + "移交：" + d.summary
		}
		if d.source == "GRID_REPORT" {
			e := &gridEvent{grid: d.grid, estate: d.estate, convDispute: d, category: disputeToEventCategory(d.category),
				urgency: pick(rp, []string{"NORMAL", "NORMAL", "HIGH"})}
			w.convertedEventPath(rp, e, d.received)
			d.event = e
			w.events = append(w.events, e)
		}
	}
	w.caseDispositions()
}

func (d *dispute) addParty(w *world, p *person, side string) {
	dp := &disputeParty{id: int64(len(w.disputeParties) + 1), dispute: d, person: p, side: side}
	d.parties = append(d.parties, dp)
	w.disputeParties = append(w.disputeParties, dp)
}

// disputeAmount returns the amount in dispute in cents, or -1 for none.
func disputeAmount(r *rand.Rand, category string) int64 {
	ranges := map[string][3]float64{ // probability, low, high (yuan)
		"LABOUR":              {0.95, 2000, 150000},
		"CONSUMER":            {0.9, 200, 50000},
		"TRAFFIC":             {0.9, 500, 80000},
		"DAMAGES":             {0.95, 1000, 200000},
		"PROPERTY_MANAGEMENT": {0.5, 1000, 60000},
		"NEIGHBOUR":           {0.3, 500, 30000},
		"FAMILY":              {0.1, 10000, 500000},
	}
	rg, ok := ranges[category]
	if !ok || !chance(r, rg[0]) {
		return -1
	}
	yuan := math.Exp(math.Log(rg[1]) + r.Float64()*(math.Log(rg[2])-math.Log(rg[1])))
	return int64(math.Round(yuan/10)) * 1000
}

// leadMediator picks the lead mediator of a dispute from its committee.
func leadMediator(r *rand.Rand, cm *committee) *mediator {
	kind := parseWeights("FULL_TIME:50 PART_TIME:20 POLICE_LIAISON:20 COMMUNITY_NOTABLE:10").pick(r)
	if list := cm.byKind[kind]; len(list) > 0 {
		return pick(r, list)
	}
	return pick(r, cm.mediators)
}

// disputePath plans the workflow a dispute follows and cuts it at the end of the period.
func (w *world) disputePath(r *rand.Rand, d *dispute) {
	p := &d.path
	act := d.lead.actor()
	recv := act
	if d.refCase != nil && d.refCase.lead != nil {
		recv = d.refCase.lead.actor()
	}
	p.add("RECEIVED", d.received, recv)
	if chance(r, 0.05) {
		p.then("DECLINED", dur(r, 2*time.Hour, 3*day), act)
		w.finishDispute(r, d)
		return
	}
	p.then("ACCEPTED", dur(r, 30*time.Minute, 2*day), act)
	p.then("IN_MEDIATION", dur(r, 2*time.Hour, 7*day), act)
	pFail := 0.13
	if d.difficulty == "DIFFICULT" {
		pFail = 0.3
	}
	switch x := r.Float64(); {
	case x < 0.06:
		p.then("WITHDRAWN", dur(r, day, 20*day), act)
	case x < 0.06+pFail:
		p.then("FAILED", dur(r, 3*day, 40*day), act)
	default:
		if d.difficulty == "DIFFICULT" {
			p.then("AGREED", dur(r, 5*day, 45*day), act)
		} else {
			p.then("AGREED", dur(r, day, 20*day), act)
		}
		p.then("PERFORMING", dur(r, 10*time.Minute, day), act)
		d.deadline = w.date(p.last().at).AddDate(0, 0, between(r, 15, 90))
		due := time.Date(d.deadline.Year(), d.deadline.Month(), d.deadline.Day(), 18, 0, 0, 0, w.tz)
		if chance(r, 0.85) {
			from := p.last().at.Add(day)
			if due.After(from) {
				p.add("PERFORMED", from.Add(dur(r, 0, due.Sub(from))), act)
			} else {
				p.add("PERFORMED", from, act)
			}
			if chance(r, 0.9) {
				p.then("ARCHIVED", dur(r, 5*day, 30*day), act)
			}
		} else {
			p.add("DEFAULTED", due.Add(dur(r, day, 15*day)), act)
			if chance(r, 0.5) {
				p.then("PERFORMED", dur(r, 10*day, 60*day), act)
				if chance(r, 0.8) {
					p.then("ARCHIVED", dur(r, 5*day, 30*day), act)
				}
			} else {
				p.then("LITIGATION", dur(r, 10*day, 60*day), act)
			}
		}
	}
	w.finishDispute(r, d)
}

// finishDispute cuts the path at the end of the period and writes the outcome of final ones.
func (w *world) finishDispute(r *rand.Rand, d *dispute) {
	d.path.cut(w.end)
	if st := d.path.status(); finals(disputeFinal)[st] {
		d.outcome = w.txt.tpl(r, "outcome."+st)
	}
}

// genDisputeDetails adds mediators, sessions, agreements and follow-ups to the disputes.
func (w *world) genDisputeDetails() {
	rm := w.rng("mediation.dispute_mediator")
	rs := w.rng("mediation.session")
	ra := w.rng("mediation.agreement")
	rf := w.rng("mediation.follow_up")
	judicial := parseWeights("NONE:80 APPLIED:8 CONFIRMED:11 INVALID:1")
	for _, d := range w.disputes {
		if d.path.status() == "RECEIVED" {
			continue
		}
		cm := d.committee
		team := []*mediator{d.lead}
		w.disputeMediators = append(w.disputeMediators, &disputeMediator{id: int64(len(w.disputeMediators) + 1), dispute: d, mediator: d.lead, role: "LEAD"})
		if d.path.has("ACCEPTED") {
			extra := between(rm, 0, 2)
			if d.difficulty == "DIFFICULT" {
				extra = between(rm, 1, 2)
			}
			for range extra {
				m := pick(rm, cm.mediators)
				if slices.Contains(team, m) {
					continue
				}
				team = append(team, m)
				role := "ASSISTANT"
				if m.kind == "COMMUNITY_NOTABLE" || m.kind == "LAWYER" {
					role = "INVITED"
				}
				w.disputeMediators = append(w.disputeMediators, &disputeMediator{id: int64(len(w.disputeMediators) + 1), dispute: d, mediator: m, role: role})
			}
		}

		// sessions between the start of mediation and its outcome
		a, ok := d.path.when("IN_MEDIATION")
		if !ok {
			continue
		}
		b := w.end
		for i, s := range d.path.steps {
			if s.status == "IN_MEDIATION" && i+1 < len(d.path.steps) {
				b = d.path.steps[i+1].at
			}
		}
		n := between(rs, 1, 3)
		if d.difficulty == "DIFFICULT" {
			n = between(rs, 2, 3)
		}
		span := b.Sub(a)
		hasKind := func(kind string) bool {
			return slices.ContainsFunc(team, func(m *mediator) bool { return m.kind == kind })
		}
		for k := range n {
			lo := a.Add(span * time.Duration(k) / time.Duration(n))
			hi := a.Add(span*time.Duration(k+1)/time.Duration(n) - 30*time.Minute)
			if hi.Before(lo) {
				hi = lo
			}
			s := &session{id: int64(len(w.sessions) + 1), dispute: d, held: w.workTime(rs, lo, hi)}
			s.approaches = sessionApproaches(rs, hasKind("COMMUNITY_NOTABLE"), hasKind("LAWYER"))
			switch {
			case slices.Contains(s.approaches, "ON_SITE_VISIT") && d.estate != nil:
				s.place = d.estate.name
			case slices.Contains(s.approaches, "ON_SITE_VISIT"):
				s.place = "当事人家中"
			case cm.level == "COMMUNITY":
				s.place = cm.community.name + "人民调解室"
			case cm.level == "IN_STATION":
				s.place = cm.station.name + "调解室"
			default:
				s.place = w.streetName + "矛盾纠纷调处化解中心"
			}
			s.record = w.txt.tpl(rs, "session.record", "{m}", d.lead.person.name, "{a}", d.parties[0].person.name, "{b}", d.parties[1].person.name)
			w.sessions = append(w.sessions, s)
		}

		// the agreement and the follow-up visits on its performance
		signed, ok := d.path.when("AGREED")
		if !ok {
			continue
		}
		ag := &agreement{id: int64(len(w.agreements) + 1), dispute: d, form: "WRITTEN", signed: signed, deadline: d.deadline, judicial: judicial.pick(ra)}
		if chance(ra, 0.15) {
			ag.form = "ORAL"
			ag.judicial = "NONE"
		}
		amount := "1000"
		if d.amount > 0 {
			amount = fmt.Sprint(d.amount / 100 * int64(between(ra, 50, 100)) / 100)
		}
		ag.terms = w.txt.tpl(ra, "terms", "{a}", d.parties[0].person.name, "{b}", d.parties[1].person.name,
			"{deadline}", d.deadline.Format("2006年1月2日"), "{amount}", amount)
		w.agreements = append(w.agreements, ag)
		w.genFollowUps(rf, d, ag)
	}
}

// sessionApproaches picks the methods used in a mediation session.
func sessionApproaches(r *rand.Rand, notable, lawyer bool) []string {
	var out []string
	add := func(a string, p float64) {
		if chance(r, p) {
			out = append(out, a)
		}
	}
	add("EMOTIONAL_COUNSELLING", 0.6)
	if notable {
		add("NOTABLE_PERSUASION", 0.7)
	} else {
		add("NOTABLE_PERSUASION", 0.05)
	}
	if lawyer {
		add("LEGAL_EXPLANATION", 0.8)
	} else {
		add("LEGAL_EXPLANATION", 0.35)
	}
	add("ON_SITE_VISIT", 0.2)
	add("BACK_TO_BACK", 0.25)
	add("PSYCHOLOGICAL_SUPPORT", 0.08)
	if len(out) == 0 {
		out = append(out, "EMOTIONAL_COUNSELLING")
	}
	return out
}

// genFollowUps adds 0-3 visits checking how an agreement is being performed.
func (w *world) genFollowUps(r *rand.Rand, d *dispute, ag *agreement) {
	st := d.path.status()
	var from time.Time
	var perf []string
	switch st {
	case "PERFORMED", "ARCHIVED":
		from, _ = d.path.when("PERFORMED")
		perf = []string{"DONE"}
	case "DEFAULTED", "LITIGATION":
		from, _ = d.path.when("DEFAULTED")
		perf = []string{"PARTIAL", "NONE", "NONE"}
	case "PERFORMING":
		from = ag.signed.Add(3 * day)
		perf = []string{"PARTIAL", "PARTIAL", "NONE"}
	default:
		return
	}
	to := from.Add(60 * day)
	if to.After(w.end) {
		to = w.end
	}
	if !to.After(from.Add(time.Hour)) {
		return
	}
	n := between(r, 0, 3)
	if st == "PERFORMED" || st == "ARCHIVED" {
		n = max(n, between(r, 0, 1))
	}
	visitor := d.lead.person.name
	for k := range n {
		lo := from.Add(to.Sub(from) * time.Duration(k) / time.Duration(n))
		hi := from.Add(to.Sub(from) * time.Duration(k+1) / time.Duration(n))
		f := &followUp{id: int64(len(w.followUps) + 1), agreement: ag, visited: w.workTime(r, lo, hi), visitor: visitor, performance: pick(r, perf)}
		if chance(r, 0.9) {
			switch f.performance {
			case "DONE":
				f.satisfaction = between(r, 3, 5)
				if chance(r, 0.5) {
					f.satisfaction = 5
				}
			case "PARTIAL":
				f.satisfaction = between(r, 2, 4)
			default:
				f.satisfaction = between(r, 1, 3)
			}
		}
		f.newRisk = chance(r, map[string]float64{"DONE": 0.02, "PARTIAL": 0.15, "NONE": 0.4}[f.performance])
		w.followUps = append(w.followUps, f)
	}
}

// numeric returns a numeric(…, 2) value for an amount in cents.
func numeric(cents int64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(cents), Exp: -2, Valid: true}
}

func (w *world) loadMediationBase(ctx context.Context, l *loader) error {
	if err := copyTable(ctx, l, "mediation.committee", []string{"id", "name", "level", "community_id", "station_id"}, w.committees,
		func(c *committee) []any {
			var comm, st any
			if c.community != nil {
				comm = c.community.id
			}
			if c.station != nil {
				st = c.station.id
			}
			return []any{c.id, c.name, c.level, comm, st}
		}); err != nil {
		return err
	}
	return copyTable(ctx, l, "mediation.mediator", []string{"id", "person_id", "committee_id", "kind"}, w.mediators,
		func(m *mediator) []any { return []any{m.id, m.person.id, m.committee.id, m.kind} })
}

func (w *world) loadDisputes(ctx context.Context, l *loader) error {
	final := finals(disputeFinal)
	if err := copyTable(ctx, l, "mediation.dispute",
		[]string{"id", "dispute_no", "committee_id", "source", "referred_case_id", "grid_event_id", "grid_id", "estate_id",
			"category", "difficulty", "amount", "status", "summary", "received_at", "closed_at", "outcome"}, w.disputes,
		func(d *dispute) []any {
			var ref, ev, est, amount any
			if d.refCase != nil {
				ref = d.refCase.id
			}
			if d.event != nil {
				ev = d.event.id
			}
			if d.estate != nil {
				est = d.estate.id
			}
			if d.amount >= 0 {
				amount = numeric(d.amount)
			}
			return []any{d.id, d.no, d.committee.id, d.source, ref, ev, d.grid.id, est, d.category, d.difficulty, amount,
				d.path.status(), d.summary, d.received, d.path.closedAt(final), nullText(d.outcome)}
		}); err != nil {
		return err
	}
	if err := copyStatusLog(ctx, l, "mediation.dispute_status_log", w.disputes); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "mediation.dispute_party", []string{"id", "dispute_id", "person_id", "side"}, w.disputeParties,
		func(p *disputeParty) []any { return []any{p.id, p.dispute.id, p.person.id, p.side} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "mediation.dispute_mediator", []string{"id", "dispute_id", "mediator_id", "role"}, w.disputeMediators,
		func(m *disputeMediator) []any { return []any{m.id, m.dispute.id, m.mediator.id, m.role} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "mediation.session", []string{"id", "dispute_id", "held_at", "place", "approaches", "record"}, w.sessions,
		func(s *session) []any { return []any{s.id, s.dispute.id, s.held, s.place, s.approaches, s.record} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "mediation.agreement",
		[]string{"id", "dispute_id", "form", "terms", "performance_deadline", "signed_at", "judicial_confirmation"}, w.agreements,
		func(a *agreement) []any {
			return []any{a.id, a.dispute.id, a.form, a.terms, a.deadline, a.signed, a.judicial}
		}); err != nil {
		return err
	}
	return copyTable(ctx, l, "mediation.follow_up",
		[]string{"id", "agreement_id", "visited_at", "visitor", "performance", "satisfaction", "new_risk"}, w.followUps,
		func(f *followUp) []any {
			var sat any
			if f.satisfaction > 0 {
				sat = int16(f.satisfaction)
			}
			return []any{f.id, f.agreement.id, f.visited, f.visitor, f.performance, sat, f.newRisk}
		})
}
