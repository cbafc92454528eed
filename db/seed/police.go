package seed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

type station struct {
	id          int64
	code        string
	name        string
	communities []*community
	officers    []*officer
	byDuty      map[string][]*officer
	committee   *committee
}

type officer struct {
	id      int64
	badge   string
	name    string
	rank    string
	duty    string
	phone   string
	home    string
	station *station
}

func (o *officer) actor() string { return "officer:" + o.badge }

type officerGrid struct {
	id      int64
	officer *officer
	grid    *grid
	role    string
}

type policeCase struct {
	id          int64
	no          string
	station     *station
	kind        string
	category    string
	source      string
	summary     string
	occurred    time.Time
	received    time.Time
	grid        *grid
	estate      *estate
	address     string
	lead        *officer
	disposition string
	path        path
	parties     []*caseParty
	referral    *dispute   // the mediation dispute this case was referred to
	convEvent   *gridEvent // the grid event this case was converted from
	seq         int
}

func (c *policeCase) logID() int64     { return c.id }
func (c *policeCase) logSteps() []step { return c.path.steps }

type caseParty struct {
	id     int64
	pcase  *policeCase
	person *person
	role   string
	minor  bool
}

// policeTemplates are the texts of cases.
const policeTemplates = `
case.NEIGHBOUR_DISPUTE: 报警人称在{place}与邻居因楼道堆物发生纠纷 | 报警人称楼上住户装修漏水，协商不成在{place}发生争执 | 报警人称与邻居因停车位问题在{place}发生口角 | 报警人称邻居饲养宠物扰民，双方在{place}发生争吵
case.FAMILY_DISPUTE: 报警人称在{place}与家人因家庭琐事发生争吵 | 报警人称与配偶因子女抚养问题发生争执 | 报警人称与亲属因老人赡养问题在{place}发生纠纷
case.PROPERTY_DISPUTE: 报警人称与物业公司因物业费问题在{place}发生纠纷 | 报警人称物业停水停电，业主在{place}聚集 | 报警人称与房东因押金退还问题发生纠纷
case.LABOUR_DISPUTE: 报警人称在{place}附近工地被拖欠工资 | 报警人称所在餐饮店拖欠工资，老板拒绝支付 | 报警人称装修队被拖欠工程款，在{place}讨要
case.CONSUMER_DISPUTE: 报警人称在{place}一商铺购物后退货被拒 | 报警人称健身房预付卡退费纠纷 | 报警人称在{place}一餐馆就餐后与店家发生纠纷
case.TRAFFIC: 报警人称在{place}发生车辆剐蹭 | 报警人称在{place}非机动车与行人相撞 | 报警人称在{place}车辆堵塞消防通道
case.THEFT: 报警人称在{place}电动自行车被盗 | 报警人称在{place}停放的车辆内物品被盗 | 报警人称家中财物被盗，地点{place} | 报警人称在{place}手机被盗
case.FRAUD: 报警人称接到冒充客服电话被骗 | 报警人称网络刷单被骗 | 报警人称被冒充公检法人员诈骗 | 报警人称网购被骗
case.ASSAULT: 报警人称在{place}被人殴打 | 报警人称在{place}因琐事与他人发生肢体冲突 | 报警人称在{place}酒后发生打架
case.NOISE: 报警人称{place}夜间噪音扰民 | 报警人称{place}广场舞音响声音过大 | 报警人称{place}商铺音响扰民
case.PUBLIC_ORDER: 报警人称在{place}有人酒后滋事 | 报警人称{place}有人聚集吵闹 | 报警人称{place}有人寻衅滋事
case.MISSING_PERSON: 报警人称家中老人外出未归，最后出现在{place} | 报警人称孩子放学后未回家 | 报警人称家人走失，最后出现在{place}
case.ASSISTANCE: 报警人称在{place}钥匙锁在屋内求助 | 报警人称{place}有老人摔倒需要帮助 | 报警人称在{place}拾到钱包求助寻找失主 | 报警人称{place}有醉酒人员躺卧路边
case.OTHER: 报警人称{place}有可疑情况 | 报警人在{place}咨询相关事宜 | 报警人称{place}有人散发小广告
disp.DECIDED: 依法作出处理决定 | 依法作出行政处罚决定 | 经调查依法处理完毕
disp.DECIDED.CRIMINAL: 已依法立案侦查并作出处理决定 | 犯罪嫌疑人已被依法采取刑事强制措施
disp.AGREED: 经民警现场调解，双方达成调解协议 | 经治安调解，双方自愿达成协议并履行
disp.FAILED: 治安调解不成，依法作出处理决定 | 调解未达成协议，依法处理
disp.TERMINATED: 经调查，不构成违法犯罪，终止调查 | 经调查事实不清，终止调查 | 当事人撤回报案，终止调查
disp.TRANSFERRED: 已移交有管辖权的公安机关处理 | 已移送检察机关审查起诉 | 已移交交通管理部门处理
disp.REFERRED.MEDIATION: 属民间纠纷，已移交{committee}调解
disp.REFERRED.OTHER: 属非警务警情，已告知并移交{agency}处置
agency: 12345市民服务热线 | 街道城市管理综合执法队 | 社区居委会 | 街道劳动保障事务所 | 市场监督管理所 | 相关物业公司
`

func (w *world) genStations() {
	n := w.sz.stations
	for s := range n {
		from, to := s*len(w.communities)/n, (s+1)*len(w.communities)/n
		st := &station{id: int64(s + 1), code: fmt.Sprintf("S%02d", s+1), byDuty: map[string][]*officer{}}
		st.communities = w.communities[from:to]
		st.name = st.communities[0].short + "派出所"
		for _, c := range st.communities {
			c.station = st
		}
		w.stations = append(w.stations, st)
	}
}

func (w *world) genOfficers() {
	r := w.rng("police.officer")
	t := w.txt
	badges := map[string]bool{}
	n := w.sz.officers
	for si, st := range w.stations {
		k := n / len(w.stations)
		if si < n%len(w.stations) {
			k++
		}
		grids := 0
		for _, c := range st.communities {
			grids += len(c.grids)
		}
		nLead := 1 + k/30
		nComm := max(1, (grids+2)/3)
		rest := k - nLead - nComm
		nInv := int(math.Round(0.28 * float64(rest)))
		nRec := max(1, int(math.Round(0.12*float64(rest))))
		var duties []string
		for range nLead {
			duties = append(duties, "LEADERSHIP")
		}
		for range nComm {
			duties = append(duties, "COMMUNITY")
		}
		for range nInv {
			duties = append(duties, "INVESTIGATION")
		}
		for range nRec {
			duties = append(duties, "RECEPTION")
		}
		for len(duties) < k {
			duties = append(duties, "PATROL")
		}
		r.Shuffle(len(duties)-1, func(i, j int) { duties[i+1], duties[j+1] = duties[j+1], duties[i+1] }) // the station head first
		rank := parseWeights("CONSTABLE:45 SERGEANT:35 INSPECTOR:20")
		invRank := parseWeights("CONSTABLE:25 SERGEANT:40 INSPECTOR:30 CHIEF_INSPECTOR:5")
		for i, duty := range duties {
			o := &officer{id: int64(len(w.officers) + 1), station: st, duty: duty}
			male := chance(r, 0.8)
			birthYear := between(r, 1968, 2001)
			o.name = t.personName(r, male, birthYear)
			for {
				b := fmt.Sprintf("%06d", between(r, 1000, 299999))
				if !badges[b] {
					badges[b] = true
					o.badge = b
					break
				}
			}
			switch {
			case duty == "LEADERSHIP" && i == 0:
				o.rank = "SUPERINTENDENT"
			case duty == "LEADERSHIP":
				o.rank = "CHIEF_INSPECTOR"
			case duty == "INVESTIGATION":
				o.rank = invRank.pick(r)
			default:
				o.rank = rank.pick(r)
			}
			o.phone = t.phone(r)
			if chance(r, 0.35) {
				c := pick(r, w.communities)
				o.home = "北京市东城区" + t.road(r, c.short)
			} else {
				o.home = t.elsewhere(r)
			}
			st.officers = append(st.officers, o)
			st.byDuty[duty] = append(st.byDuty[duty], o)
			w.officers = append(w.officers, o)
		}
	}

	// each grid has one patch officer of the station covering its community; dedicated and
	// some basic grids also have an embedded officer
	for _, st := range w.stations {
		comm := st.byDuty["COMMUNITY"]
		others := append(slices.Clone(st.byDuty["PATROL"]), st.byDuty["INVESTIGATION"]...)
		i := 0
		for _, c := range st.communities {
			for _, g := range c.grids {
				g.patch = comm[i%len(comm)]
				i++
				w.officerGrids = append(w.officerGrids, &officerGrid{id: int64(len(w.officerGrids) + 1), officer: g.patch, grid: g, role: "PATCH"})
				if (g.kind == "DEDICATED" || chance(r, 0.25)) && len(others) > 0 {
					w.officerGrids = append(w.officerGrids, &officerGrid{id: int64(len(w.officerGrids) + 1), officer: pick(r, others), grid: g, role: "EMBEDDED"})
				}
			}
		}
	}
}

// incidentTime returns a reception time over the period with a mild upward trend and a
// summer peak.
func (w *world) incidentTime(r *rand.Rand) time.Time {
	for {
		t := w.moment(r, w.start, w.end)
		years := t.Sub(w.start).Hours() / 24 / 365
		weight := (0.88 + 0.05*years) * (1 + 0.12*math.Cos(2*math.Pi*float64(t.YearDay()-200)/365))
		if r.Float64()*1.4 < weight {
			return t
		}
	}
}

// disputeCategories are the case categories that are civil disputes, mediable by a committee.
func isCivilDispute(category string) bool {
	switch category {
	case "NEIGHBOUR_DISPUTE", "FAMILY_DISPUTE", "PROPERTY_DISPUTE", "LABOUR_DISPUTE", "CONSUMER_DISPUTE":
		return true
	}
	return false
}

func (w *world) genCases() {
	r := w.rng("police.case")
	t := w.txt
	kind := parseWeights("CALL:52 ADMINISTRATIVE:22 CRIMINAL:11 NON_POLICE:15")
	categories := map[string]weights{
		"CALL":           parseWeights("NOISE:14 NEIGHBOUR_DISPUTE:14 FAMILY_DISPUTE:12 TRAFFIC:12 PUBLIC_ORDER:10 ASSISTANCE:14 MISSING_PERSON:4 THEFT:6 CONSUMER_DISPUTE:5 PROPERTY_DISPUTE:4 OTHER:5"),
		"ADMINISTRATIVE": parseWeights("PUBLIC_ORDER:30 ASSAULT:25 NOISE:8 THEFT:20 FRAUD:7 TRAFFIC:10"),
		"CRIMINAL":       parseWeights("THEFT:40 FRAUD:35 ASSAULT:20 OTHER:5"),
		"NON_POLICE":     parseWeights("NEIGHBOUR_DISPUTE:25 FAMILY_DISPUTE:15 PROPERTY_DISPUTE:15 LABOUR_DISPUTE:7 CONSUMER_DISPUTE:7 ASSISTANCE:18 OTHER:8 NOISE:5"),
	}
	source := parseWeights("HOTLINE_110:63 HOTLINE_12345:12 WALK_IN:14 PATROL:8 TRANSFER:3")
	walkIn := parseWeights("HOTLINE_110:35 WALK_IN:60 HOTLINE_12345:5")
	for i := range w.sz.cases {
		c := &policeCase{seq: i, received: w.incidentTime(r), kind: kind.pick(r)}
		c.category = categories[c.kind].pick(r)
		c.source = source.pick(r)
		if c.category == "FRAUD" {
			c.source = walkIn.pick(r)
		}
		// the grid is where a random resident lives: busier grids have more cases
		p := pick(r, w.persons)
		for p.grid == nil {
			p = pick(r, w.persons)
		}
		c.grid = p.grid
		c.station = c.grid.community.station
		if len(c.grid.estates) > 0 && chance(r, 0.6) {
			c.estate = pick(r, c.grid.estates)
			c.address = c.estate.name + fmt.Sprintf("%d号楼", between(r, 1, 24))
		} else {
			c.address = t.road(r, c.grid.community.short)
		}
		c.summary = t.tpl(r, "case."+c.category, "{place}", c.address)
		switch {
		case chance(r, 0.05):
		case c.category == "FRAUD":
			c.occurred = c.received.Add(-dur(r, time.Hour, 20*day))
		case c.category == "THEFT":
			c.occurred = c.received.Add(-dur(r, 10*time.Minute, 12*time.Hour))
		default:
			c.occurred = c.received.Add(-dur(r, 0, 90*time.Minute))
		}
		c.lead = w.leadOfficer(r, c)
		w.casePath(r, c)
		if c.path.status() == "RECEIVED" {
			c.lead = nil
		}
		w.cases = append(w.cases, c)
	}
	slices.SortFunc(w.cases, func(a, b *policeCase) int {
		return cmp.Or(a.received.Compare(b.received), cmp.Compare(a.seq, b.seq))
	})
	perYear := map[int]int{}
	for i, c := range w.cases {
		c.id = int64(i + 1)
		y := w.localYear(c.received)
		perYear[y]++
		c.no = fmt.Sprintf("J%d-%06d", y, perYear[y])
		c.grid.cases = append(c.grid.cases, c)
	}
	w.genCaseParties()
}

// leadOfficer picks the officer in charge of a case from its station, by duty.
func (w *world) leadOfficer(r *rand.Rand, c *policeCase) *officer {
	st := c.station
	duty := "PATROL"
	switch c.kind {
	case "CRIMINAL":
		duty = "INVESTIGATION"
	case "ADMINISTRATIVE":
		if chance(r, 0.5) {
			duty = "INVESTIGATION"
		}
	default:
		if chance(r, 0.3) {
			return c.grid.patch
		}
	}
	if list := st.byDuty[duty]; len(list) > 0 {
		return pick(r, list)
	}
	return pick(r, st.officers)
}

// casePath plans the workflow a case follows and cuts it at the end of the period.
func (w *world) casePath(r *rand.Rand, c *policeCase) {
	st := c.station
	desk := pick(r, st.officers)
	if list := st.byDuty["RECEPTION"]; len(list) > 0 {
		desk = pick(r, list)
	}
	act := c.lead.actor()
	p := &c.path
	p.add("RECEIVED", c.received, desk.actor())
	p.then("DISPATCHED", dur(r, time.Minute, 10*time.Minute), desk.actor())
	p.then("ON_SCENE", dur(r, 5*time.Minute, 30*time.Minute), act)
	if c.kind == "NON_POLICE" {
		p.then("NON_POLICE", dur(r, 10*time.Minute, time.Hour), act)
		p.then("REFERRED", dur(r, 30*time.Minute, 2*day), act)
		if chance(r, 0.6) {
			p.then("CLOSED", dur(r, day, 15*day), act)
		}
		p.cut(w.end)
		return
	}
	p.then("ACCEPTED", dur(r, 20*time.Minute, 3*time.Hour), act)
	p.then("INVESTIGATING", dur(r, time.Minute, 2*day), act)
	mediable := isCivilDispute(c.category) || c.category == "NOISE" || c.category == "TRAFFIC" ||
		(c.kind == "ADMINISTRATIVE" && (c.category == "ASSAULT" || c.category == "PUBLIC_ORDER"))
	pMediate := 0.45
	if c.kind == "ADMINISTRATIVE" {
		pMediate = 0.3
	}
	switch {
	case c.kind != "CRIMINAL" && mediable && chance(r, pMediate):
		p.then("POLICE_MEDIATION", dur(r, 2*time.Hour, 4*day), act)
		if chance(r, 0.75) {
			p.then("AGREED", dur(r, time.Hour, 3*day), act)
			p.then("CLOSED", dur(r, day, 7*day), act)
		} else {
			p.then("FAILED", dur(r, day, 5*day), act)
			p.then("DECIDED", dur(r, 3*day, 20*day), act)
			if chance(r, 0.6) {
				p.then("CLOSED", dur(r, day, 10*day), act)
			}
		}
	case c.kind == "CRIMINAL":
		switch x := r.Float64(); {
		case x < 0.5:
			p.then("DECIDED", dur(r, 20*day, 120*day), act)
			if chance(r, 0.7) {
				p.then("CLOSED", dur(r, 5*day, 30*day), act)
			}
		case x < 0.75:
			p.then("TRANSFERRED", dur(r, 10*day, 90*day), act)
		default:
			p.then("TERMINATED", dur(r, 30*day, 180*day), act)
		}
	default:
		if chance(r, 0.08) {
			p.then("TERMINATED", dur(r, day, 30*day), act)
		} else {
			p.then("DECIDED", dur(r, day, 25*day), act)
			if chance(r, 0.7) {
				p.then("CLOSED", dur(r, day, 10*day), act)
			}
		}
	}
	p.cut(w.end)
}

// genCaseParties adds 1-3 parties to every case, preferably residents of the case's grid.
func (w *world) genCaseParties() {
	r := w.rng("police.case_party")
	for _, c := range w.cases {
		var roles []string
		switch c.category {
		case "THEFT", "FRAUD":
			roles = []string{"VICTIM"}
			if chance(r, 0.5) {
				roles = append(roles, "SUSPECT")
			}
			if chance(r, 0.2) {
				roles = append(roles, "WITNESS")
			}
		case "ASSAULT", "PUBLIC_ORDER":
			roles = []string{"VICTIM", "SUSPECT"}
			if chance(r, 0.3) {
				roles = append(roles, "WITNESS")
			}
		case "TRAFFIC":
			roles = []string{"CALLER"}
			if chance(r, 0.6) {
				roles = append(roles, "VICTIM")
			}
		case "MISSING_PERSON":
			roles = []string{"CALLER", "VICTIM"}
		case "ASSISTANCE", "OTHER":
			roles = []string{"CALLER"}
		default:
			roles = []string{"CALLER"}
			if chance(r, 0.4) {
				roles = append(roles, "WITNESS")
			}
		}
		var taken []*person
		for _, role := range roles {
			minAge := map[string]int{"CALLER": 16, "SUSPECT": 14, "VICTIM": 6, "WITNESS": 12}[role]
			p := w.pickParty(r, c.grid, c.received, minAge, taken)
			taken = append(taken, p)
			cp := &caseParty{id: int64(len(w.caseParties) + 1), pcase: c, person: p, role: role, minor: w.ageOn(p, c.received) < 18}
			c.parties = append(c.parties, cp)
			w.caseParties = append(w.caseParties, cp)
		}
	}
}

// pickParty returns a person at least minAge old at t, preferably living in g, and not
// already in taken.
func (w *world) pickParty(r *rand.Rand, g *grid, t time.Time, minAge int, taken []*person) *person {
	for range 40 {
		var p *person
		if g != nil && len(g.residents) > 0 && chance(r, 0.85) {
			p = pick(r, g.residents)
		} else {
			p = pick(r, w.persons)
		}
		if w.ageOn(p, t) >= minAge && !slices.Contains(taken, p) {
			return p
		}
	}
	for i := r.IntN(len(w.persons)); ; i = (i + 1) % len(w.persons) {
		if p := w.persons[i]; w.ageOn(p, t) >= max(minAge, 18) && !slices.Contains(taken, p) {
			return p
		}
	}
}

// caseDispositions writes the disposition of every case in a final state.
func (w *world) caseDispositions() {
	r := w.rng("police.case.disposition")
	t := w.txt
	for _, c := range w.cases {
		switch st := c.path.status(); {
		case c.referral != nil:
			c.disposition = t.tpl(r, "disp.REFERRED.MEDIATION", "{committee}", c.referral.committee.name)
		case c.path.has("REFERRED"):
			c.disposition = t.tpl(r, "disp.REFERRED.OTHER", "{agency}", t.tpl(r, "agency"))
		case c.path.has("AGREED") && st == "CLOSED":
			c.disposition = t.tpl(r, "disp.AGREED")
		case c.path.has("FAILED") && (st == "DECIDED" || st == "CLOSED"):
			c.disposition = t.tpl(r, "disp.FAILED")
		case (st == "DECIDED" || st == "CLOSED") && c.kind == "CRIMINAL":
			c.disposition = t.tpl(r, "disp.DECIDED.CRIMINAL")
		case st == "DECIDED" || st == "CLOSED":
			c.disposition = t.tpl(r, "disp.DECIDED")
		case st == "TERMINATED" || st == "TRANSFERRED":
			c.disposition = t.tpl(r, "disp."+st)
		}
	}
}

func (w *world) loadPolice(ctx context.Context, l *loader) error {
	if err := copyTable(ctx, l, "police.station", []string{"id", "code", "name"}, w.stations,
		func(s *station) []any { return []any{s.id, s.code, s.name} }); err != nil {
		return err
	}
	var covers [][2]int64
	for _, s := range w.stations {
		for _, c := range s.communities {
			covers = append(covers, [2]int64{s.id, c.id})
		}
	}
	if err := copyTable(ctx, l, "police.station_community", []string{"station_id", "community_id"}, covers,
		func(sc [2]int64) []any { return []any{sc[0], sc[1]} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "police.officer", []string{"id", "badge_no", "name", "rank", "station_id", "duty", "phone", "home_address"}, w.officers,
		func(o *officer) []any {
			return []any{o.id, o.badge, o.name, o.rank, o.station.id, o.duty, o.phone, o.home}
		}); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "police.officer_grid", []string{"id", "officer_id", "grid_id", "role"}, w.officerGrids,
		func(og *officerGrid) []any { return []any{og.id, og.officer.id, og.grid.id, og.role} }); err != nil {
		return err
	}
	final := finals(caseFinal)
	if err := copyTable(ctx, l, "police.case",
		[]string{"id", "case_no", "station_id", "kind", "category", "source", "status", "summary", "occurred_at", "received_at",
			"closed_at", "grid_id", "estate_id", "address", "lead_officer_id", "disposition"}, w.cases,
		func(c *policeCase) []any {
			var est, lead any
			if c.estate != nil {
				est = c.estate.id
			}
			if c.lead != nil {
				lead = c.lead.id
			}
			return []any{c.id, c.no, c.station.id, c.kind, c.category, c.source, c.path.status(), c.summary, nullTime(c.occurred), c.received,
				c.path.closedAt(final), c.grid.id, est, c.address, lead, nullText(c.disposition)}
		}); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "police.case_party", []string{"id", "case_id", "person_id", "role", "is_minor"}, w.caseParties,
		func(p *caseParty) []any { return []any{p.id, p.pcase.id, p.person.id, p.role, p.minor} }); err != nil {
		return err
	}
	return copyStatusLog(ctx, l, "police.case_status_log", w.cases)
}
