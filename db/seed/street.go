package seed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

type community struct {
	id        int64
	code      string
	name      string // 和平里社区
	short     string // 和平里
	grids     []*grid
	station   *station
	committee *committee
}

type grid struct {
	id        int64
	community *community
	code      string
	name      string
	kind      string
	residents []*person
	workers   []*gridWorker
	estates   []*estate
	patch     *officer
	// chronological lists, filled once ids are assigned
	cases    []*policeCase
	disputes []*dispute
	events   []*gridEvent
}

type person struct {
	id      int64
	name    string
	idNo    string // empty: no identity number on record
	gender  string
	birth   time.Time // zero: unknown
	phone   string
	address string
	grid    *grid
	flags   []string
}

// ageOn returns the age on the day of t, or 40 when the birth date is unknown.
func (w *world) ageOn(p *person, t time.Time) int {
	if p.birth.IsZero() {
		return 40
	}
	return w.ageAt(p.birth, t)
}

type gridWorker struct {
	id     int64
	person *person
	grid   *grid
	post   string
	from   time.Time // date
	to     time.Time // date, zero while active
}

// activeOn reports whether the worker was in post on the day of t.
func (gw *gridWorker) activeOn(d time.Time) bool {
	return !gw.from.After(d) && (gw.to.IsZero() || gw.to.After(d))
}

type company struct {
	id   int64
	name string
	code string
}

type estate struct {
	id         int64
	grid       *grid
	company    *company
	name       string
	households int
	mode       string
}

type membership struct {
	id      int64
	company *company
	joined  time.Time
	left    time.Time
	role    string
}

type gridEvent struct {
	id          int64
	no          string
	grid        *grid
	estate      *estate
	reporter    *gridWorker
	category    string
	urgency     string
	summary     string
	path        path
	due         time.Time
	convCase    *policeCase
	convDispute *dispute
	seq         int
}

func (e *gridEvent) logID() int64     { return e.id }
func (e *gridEvent) logSteps() []step { return e.path.steps }

// streetTemplates are the texts of grid events.
const streetTemplates = `
event.NEIGHBOUR_CONFLICT: {estate}两户居民因楼道堆物发生争执，情绪激动 | {estate}楼上漏水殃及楼下，双方协商未果 | {estate}居民反映邻居长期饲养犬只扰民，多次沟通无果 | {estate}两户因公共区域停车位发生口角
event.FAMILY_CONFLICT: {estate}一户家庭因赡养老人问题发生争吵 | {estate}夫妻因家庭琐事多次争吵，邻居反映 | 辖区居民反映兄弟姐妹因房产继承问题矛盾激化
event.PROPERTY_MANAGEMENT: {estate}电梯故障多日未修，居民意见较大 | {estate}物业费收缴纠纷，部分业主拒缴 | {estate}小区垃圾清运不及时，居民投诉 | {estate}物业撤场后环境卫生无人管理
event.SAFETY_HAZARD: {estate}楼道内电动自行车违规充电 | {estate}消防通道被车辆长期占用 | {estate}外墙瓷砖松动存在坠落隐患 | {place}井盖缺失存在安全隐患 | {estate}地下室存在群租现象
event.ENVIRONMENT: {place}道路两侧乱堆乱放 | {place}餐饮油烟扰民 | {estate}绿地被私自圈占种菜 | {place}夜间施工噪音扰民
event.PUBLIC_ORDER: {place}夜间有人聚集饮酒喧哗 | {place}发现可疑人员多次徘徊 | {estate}出现小广告张贴及发放行为 | {place}无证摊贩占道经营
event.LABOUR: {place}装修工人反映被拖欠工资 | {place}某餐饮店员工讨薪 | {estate}物业保洁人员反映工资迟发
event.OTHER: 居民咨询惠民政策办理事宜 | {estate}独居老人多日未出门，邻居担心 | {place}共享单车大量堆放影响通行
`

func (w *world) genCommunities() {
	t := w.txt
	dedicated := []string{"学校", "商圈", "医院", "园区", "交通枢纽"}
	var gid int64
	for i := range w.sz.communities {
		root := t.roots[i%len(t.roots)]
		if v := t.variants[(i/len(t.roots))%len(t.variants)]; v != "_" {
			root += v
		}
		c := &community{id: int64(i + 1), code: fmt.Sprintf("C%02d", i+1), short: root, name: root + "社区"}
		w.communities = append(w.communities, c)
		n := w.sz.gridsPerCommunity
		for j := range n {
			gid++
			g := &grid{id: gid, community: c, code: fmt.Sprintf("%s-%02d", c.code, j+1), kind: "BASIC"}
			if j == n-1 || (j == n-2 && n >= 8 && i%2 == 1) {
				g.kind = "DEDICATED"
				g.name = fmt.Sprintf("%s%s专属网格", c.name, dedicated[(i+j)%len(dedicated)])
			} else {
				g.name = fmt.Sprintf("%s第%d网格", c.name, j+1)
			}
			c.grids = append(c.grids, g)
			w.grids = append(w.grids, g)
		}
	}
	w.streetName = w.communities[0].short + "街道"
}

func (w *world) genCompaniesAndEstates() {
	r := w.rng("street.property_company")
	t := w.txt
	codes := map[string]bool{}
	words := slices.Clone(t.companyWords)
	r.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	regions := []string{"110101", "110102", "110105", "110106", "110108", "110112"}
	for i := range w.sz.companies {
		brand := words[i%len(words)]
		if i >= len(words) {
			brand += words[(i*7+3)%len(words)]
		}
		var code string
		for {
			code = creditCode(pick(r, regions), fmt.Sprintf("%08d", r.IntN(100000000)))
			if !codes[code] {
				codes[code] = true
				break
			}
		}
		w.companies = append(w.companies, &company{id: int64(i + 1), name: "北京" + brand + pick(r, t.compKinds), code: code})
	}

	r = w.rng("street.estate")
	mode := parseWeights("MARKET:60 GUARANTEE:25 SELF_MANAGED:15")
	// every grid gets one estate, the rest go to random grids
	counts := make([]int, len(w.grids))
	for i := range counts {
		counts[i] = 1
	}
	for range w.sz.estates - len(w.grids) {
		counts[r.IntN(len(w.grids))]++
	}
	used := map[string]bool{}
	for gi, g := range w.grids {
		for range counts[gi] {
			name := w.estateName(r, g.community, used)
			e := &estate{id: int64(len(w.estates) + 1), grid: g, name: name, households: between(r, 120, 2400), mode: mode.pick(r)}
			if e.mode == "MARKET" {
				// a few large companies manage many estates
				e.company = w.companies[int(float64(len(w.companies))*math.Pow(r.Float64(), 1.6))]
			}
			if e.mode == "SELF_MANAGED" {
				e.households = between(r, 40, 400)
			}
			g.estates = append(g.estates, e)
			w.estates = append(w.estates, e)
		}
	}
}

// estateName returns an estate name not used before, preferring names built on the
// community's own name.
func (w *world) estateName(r *rand.Rand, c *community, used map[string]bool) string {
	t := w.txt
	for range 50 {
		var name string
		if chance(r, 0.5) {
			name = c.short + pick(r, t.estateRootSuffixes)
		} else {
			name = pick(r, t.estateWords) + pick(r, t.estateWSuf)
		}
		if !used[name] {
			used[name] = true
			return name
		}
	}
	for n := 1; ; n++ {
		name := fmt.Sprintf("%s%s%d号院", c.short, pick(r, t.estateWSuf), n)
		if !used[name] {
			used[name] = true
			return name
		}
	}
}

func (w *world) genPersons() {
	r := w.rng("street.person")
	t := w.txt
	// grids differ in population
	cum := make([]float64, len(w.grids))
	total := 0.0
	for i := range w.grids {
		total += 0.6 + 0.8*r.Float64()
		cum[i] = total
	}
	ageBand := parseWeights("0:14 18:24 35:38 60:19 80:5")
	bandTop := map[string]int{"0": 18, "18": 35, "35": 60, "60": 80, "80": 96}
	ids := map[string]bool{}
	for i := range w.sz.persons {
		p := &person{id: int64(i + 1)}
		if !chance(r, 0.04) {
			x := r.Float64() * total
			p.grid = w.grids[sort.SearchFloat64s(cum, x)]
		}
		band := ageBand.pick(r)
		lo, _ := strconv.Atoi(band)
		age := between(r, lo, bandTop[band]-1)
		birth := w.today.AddDate(-age, 0, -r.IntN(365))
		male := chance(r, 0.5)
		p.gender = "FEMALE"
		if male {
			p.gender = "MALE"
		}
		p.birth = birth
		p.name = t.personName(r, male, birth.Year())
		if chance(r, 0.005) {
			// no identity number on record (e.g. a foreign resident or an unidentified person)
			if chance(r, 0.5) {
				p.gender = "UNKNOWN"
				p.birth = time.Time{}
			}
		} else {
			region := pick(r, t.regions)
			for {
				no := idNumber(region, birth, r.IntN(1000), male)
				if !ids[no] {
					ids[no] = true
					p.idNo = no
					break
				}
			}
		}
		if age >= 12 && !(age >= 85 && chance(r, 0.5)) {
			p.phone = t.phone(r)
		}
		switch {
		case p.grid == nil:
			p.address = t.elsewhere(r)
		case len(p.grid.estates) > 0 && chance(r, 0.85):
			p.address = "北京市东城区" + pick(r, p.grid.estates).name + flat(r)
		default:
			p.address = "北京市东城区" + t.road(r, p.grid.community.short)
		}
		if p.idNo != "" {
			w.setFlags(r, p, age, male)
		}
		if p.grid != nil {
			p.grid.residents = append(p.grid.residents, p)
		}
		w.persons = append(w.persons, p)
	}
	// make sure the rare cases exist at every scale: a person without identity number and
	// of unknown gender, and the rare flags
	if !slices.ContainsFunc(w.persons, func(p *person) bool { return p.gender == "UNKNOWN" }) {
		p := w.persons[len(w.persons)-1]
		p.idNo, p.gender, p.birth, p.flags = "", "UNKNOWN", time.Time{}, nil
	}
	for _, flag := range []string{"ELDERLY_ALONE", "UNDER_COMMUNITY_CORRECTION", "KEY_CARE"} {
		if !slices.ContainsFunc(w.persons, func(p *person) bool { return slices.Contains(p.flags, flag) }) {
			for _, p := range w.persons {
				age := w.ageOn(p, w.end)
				if p.grid != nil && p.idNo != "" && ((flag == "ELDERLY_ALONE" && age >= 70) || (flag != "ELDERLY_ALONE" && age >= 25 && age < 60)) {
					p.flags = sortFlags(append(p.flags, flag))
					break
				}
			}
		}
	}
}

// setFlags marks a person with the care and supervision flags of the person index.
func (w *world) setFlags(r *rand.Rand, p *person, age int, male bool) {
	var f []string
	if age >= 65 && chance(r, 0.12) {
		f = append(f, "ELDERLY_ALONE")
	}
	if age < 18 {
		f = append(f, "MINOR")
	}
	if age >= 18 && age < 65 && chance(r, 0.002) {
		f = append(f, "UNDER_COMMUNITY_CORRECTION")
	}
	if chance(r, 0.015) {
		f = append(f, "DISABLED")
	}
	if male && age >= 40 && chance(r, 0.02) {
		f = append(f, "VETERAN")
	}
	if age >= 18 && chance(r, 0.005) {
		f = append(f, "KEY_CARE")
	}
	p.flags = f
}

// sortFlags orders flags as the schema lists them.
func sortFlags(f []string) []string {
	order := strings.Fields("ELDERLY_ALONE MINOR UNDER_COMMUNITY_CORRECTION DISABLED VETERAN KEY_CARE")
	slices.SortFunc(f, func(a, b string) int { return cmp.Compare(slices.Index(order, a), slices.Index(order, b)) })
	return slices.Compact(f)
}

func (w *world) genGridWorkers() {
	r := w.rng("street.grid_worker")
	startDate := w.date(w.start)
	for gi, g := range w.grids {
		var pool []*person
		for _, p := range g.residents {
			if a := w.ageOn(p, w.start); p.idNo != "" && a >= 23 && a <= 55 && p.phone != "" {
				pool = append(pool, p)
			}
		}
		r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		next := func() *person {
			if len(pool) == 0 { // tiny grids: fall back to any resident adult
				for _, p := range g.residents {
					if w.ageOn(p, w.start) >= 23 {
						return p
					}
				}
				return g.residents[0]
			}
			p := pool[0]
			pool = pool[1:]
			return p
		}
		add := func(post string, from, to time.Time) {
			gw := &gridWorker{id: int64(len(w.workers) + 1), person: next(), grid: g, post: post, from: from, to: to}
			g.workers = append(g.workers, gw)
			w.workers = append(w.workers, gw)
		}
		before := func(minYears, maxYears int) time.Time {
			return startDate.AddDate(-between(r, minYears, maxYears), -r.IntN(12), -r.IntN(28))
		}
		add("LEADER", before(1, 8), time.Time{})
		nFull := between(r, 1, 2)
		for k := range nFull {
			if k == 0 && chance(r, 0.15) {
				// the post changed hands during the period
				change := startDate.AddDate(0, between(r, 6, 40), r.IntN(28))
				add("FULL_TIME", before(1, 5), change)
				add("FULL_TIME", change, time.Time{})
				continue
			}
			add("FULL_TIME", before(0, 6), time.Time{})
		}
		nPart := between(r, 0, 2)
		if gi == 0 {
			nPart = max(nPart, 1)
		}
		for range nPart {
			var to time.Time
			if chance(r, 0.2) {
				to = startDate.AddDate(0, between(r, 6, 48), r.IntN(28))
			}
			add("PART_TIME", before(0, 3), to)
		}
	}
}

// reporter returns a grid worker of g in post on the day of t.
func (w *world) reporter(r *rand.Rand, g *grid, t time.Time) *gridWorker {
	d := w.date(t)
	var active []*gridWorker
	for _, gw := range g.workers {
		if gw.activeOn(d) {
			active = append(active, gw)
		}
	}
	if len(active) == 0 {
		return g.workers[0]
	}
	return pick(r, active)
}

func (w *world) genAlliance() {
	r := w.rng("street.alliance_membership")
	founded := time.Date(2021, 12, 15, 0, 0, 0, 0, time.UTC)
	for i, c := range w.companies {
		if i >= 3 && !chance(r, 0.85) {
			continue
		}
		m := &membership{id: int64(len(w.memberships) + 1), company: c, joined: founded, role: "MEMBER"}
		if i > 0 && chance(r, 0.4) {
			m.joined = founded.AddDate(0, between(r, 1, 50), r.IntN(28))
		}
		switch {
		case i == 0:
			m.role = "CHAIR"
		case i == 1 || (i > 2 && chance(r, 0.15)):
			m.role = "COUNCIL"
		case i > 2 && chance(r, 0.1):
			m.left = m.joined.AddDate(0, between(r, 6, 30), r.IntN(28))
			if !m.left.Before(w.today) {
				m.left = time.Time{}
			}
		}
		w.memberships = append(w.memberships, m)
	}
}

// genGridEvents adds the events converted into cases and the ordinary events to those already
// created for grid-report disputes, then numbers them all in order of reporting.
func (w *world) genGridEvents() {
	r := w.rng("street.grid_event")
	t := w.txt
	urgency := parseWeights("LOW:25 NORMAL:55 HIGH:15 CRITICAL:5")
	category := parseWeights("NEIGHBOUR_CONFLICT:16 FAMILY_CONFLICT:6 PROPERTY_MANAGEMENT:18 SAFETY_HAZARD:20 ENVIRONMENT:18 PUBLIC_ORDER:10 LABOUR:4 OTHER:8")
	centre := "street:" + w.streetName + "网格化服务管理中心"
	fromDispute := len(w.events)

	// events that became police cases
	nCase := max(int(math.Round(float64(w.sz.events)*0.03)), 3)
	var candidates []*policeCase
	for _, c := range w.cases {
		if (c.kind == "CALL" || c.kind == "ADMINISTRATIVE") && c.received.After(w.start.Add(5*day)) && c.path.status() != "RECEIVED" {
			candidates = append(candidates, c)
		}
	}
	r.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	for _, c := range candidates[:min(nCase, len(candidates))] {
		c.source = "TRANSFER"
		e := &gridEvent{grid: c.grid, estate: c.estate, convCase: c, category: caseToEventCategory(c.category), urgency: pick(r, []string{"NORMAL", "HIGH", "HIGH", "CRITICAL"})}
		w.convertedEventPath(r, e, c.received.Add(-dur(r, 5*time.Minute, time.Hour)))
		c.convEvent = e
		w.events = append(w.events, e)
	}

	// ordinary events
	target := max(w.sz.events, len(w.events)+20)
	for len(w.events) < target {
		g := pick(r, w.grids)
		e := &gridEvent{grid: g, category: category.pick(r), urgency: urgency.pick(r)}
		if len(g.estates) > 0 && chance(r, 0.75) {
			e.estate = pick(r, g.estates)
		}
		t0 := w.moment(r, w.start, w.end)
		e.reporter = w.reporter(r, g, t0)
		gwActor := fmt.Sprintf("grid_worker:%d", e.reporter.id)
		e.path.add("REPORTED", t0, gwActor)
		if chance(r, 0.05) {
			e.path.then("CANCELLED", dur(r, time.Hour, 2*day), centre)
			e.path.steps[len(e.path.steps)-1].reason = pick(r, []string{"重复上报", "经核实不属实", "已自行解决"})
		} else {
			resp := eventResponse[e.urgency]
			e.path.then("FILED", dur(r, resp.filed[0], resp.filed[1]), centre)
			e.path.then("DISPATCHED", dur(r, resp.dispatched[0], resp.dispatched[1]), centre)
			e.path.then("HANDLING", dur(r, resp.handling[0], resp.handling[1]), gwActor)
			e.path.then("FEEDBACK", dur(r, time.Hour, 5*day), gwActor)
			if chance(r, 0.1) {
				e.path.then("DISPATCHED", dur(r, time.Hour, 2*day), centre)
				e.path.steps[len(e.path.steps)-1].reason = "核查未通过，重新派遣"
				e.path.then("HANDLING", dur(r, time.Hour, 2*day), gwActor)
				e.path.then("FEEDBACK", dur(r, time.Hour, 4*day), gwActor)
			}
			e.path.then("CHECKED", dur(r, time.Hour, 3*day), centre)
			e.path.then("CLOSED", dur(r, 10*time.Minute, 2*day), centre)
		}
		e.path.cut(w.end)
		w.events = append(w.events, e)
	}

	for i, e := range w.events {
		e.seq = i
		if e.reporter == nil {
			e.reporter = w.reporter(r, e.grid, e.path.steps[0].at)
		}
		place := t.road(r, e.grid.community.short)
		est := place
		if e.estate != nil {
			est = e.estate.name
		}
		e.summary = t.tpl(r, "event."+e.category, "{estate}", est, "{place}", place)
		if i < fromDispute && e.convDispute != nil && e.convDispute.summary != "" {
			e.summary = "网格员上报：" + e.convDispute.summary
		}
		hours := map[string]int{"LOW": 7 * 24, "NORMAL": 3 * 24, "HIGH": 24, "CRITICAL": 4}[e.urgency]
		e.due = e.path.steps[0].at.Add(time.Duration(hours) * time.Hour)
	}
	slices.SortFunc(w.events, func(a, b *gridEvent) int {
		return cmp.Or(a.path.steps[0].at.Compare(b.path.steps[0].at), cmp.Compare(a.seq, b.seq))
	})
	perYear := map[int]int{}
	for i, e := range w.events {
		e.id = int64(i + 1)
		y := w.localYear(e.path.steps[0].at)
		perYear[y]++
		e.no = fmt.Sprintf("E%d-%06d", y, perYear[y])
		e.grid.events = append(e.grid.events, e)
	}
}

// eventResponse is how long the centre takes to file and dispatch an event and the grid worker
// to reach it, by urgency: urgent events are answered in minutes, the rest in hours or days.
var eventResponse = map[string]struct{ filed, dispatched, handling [2]time.Duration }{
	"CRITICAL": {[2]time.Duration{2 * time.Minute, 15 * time.Minute}, [2]time.Duration{2 * time.Minute, 20 * time.Minute}, [2]time.Duration{5 * time.Minute, 50 * time.Minute}},
	"HIGH":     {[2]time.Duration{5 * time.Minute, time.Hour}, [2]time.Duration{5 * time.Minute, 90 * time.Minute}, [2]time.Duration{15 * time.Minute, 3 * time.Hour}},
	"NORMAL":   {[2]time.Duration{10 * time.Minute, day}, [2]time.Duration{10 * time.Minute, day}, [2]time.Duration{time.Hour, 2 * day}},
	"LOW":      {[2]time.Duration{10 * time.Minute, day}, [2]time.Duration{10 * time.Minute, day}, [2]time.Duration{time.Hour, 2 * day}},
}

// convertedEventPath plans the history of an event converted into a case or dispute at conv.
func (w *world) convertedEventPath(r *rand.Rand, e *gridEvent, conv time.Time) {
	centre := "street:" + w.streetName + "网格化服务管理中心"
	t0 := conv.Add(-dur(r, 2*time.Hour, 4*day))
	if t0.Before(w.start) {
		t0 = w.start.Add(dur(r, 0, conv.Sub(w.start)))
	}
	e.reporter = w.reporter(r, e.grid, t0)
	gwActor := fmt.Sprintf("grid_worker:%d", e.reporter.id)
	e.path.add("REPORTED", t0, gwActor)
	span := conv.Sub(t0)
	switch k := r.IntN(3); k {
	case 0:
	case 1:
		e.path.add("FILED", t0.Add(span/3), centre)
	default:
		e.path.add("FILED", t0.Add(span/5), centre)
		e.path.add("DISPATCHED", t0.Add(2*span/5), centre)
		e.path.add("HANDLING", t0.Add(3*span/5), gwActor)
	}
	e.path.add("CONVERTED", conv, centre)
}

// caseToEventCategory maps a case category to the grid event category it was reported as.
func caseToEventCategory(c string) string {
	switch c {
	case "NEIGHBOUR_DISPUTE", "NOISE":
		return "NEIGHBOUR_CONFLICT"
	case "FAMILY_DISPUTE":
		return "FAMILY_CONFLICT"
	case "PROPERTY_DISPUTE":
		return "PROPERTY_MANAGEMENT"
	case "LABOUR_DISPUTE":
		return "LABOUR"
	case "PUBLIC_ORDER", "ASSAULT", "THEFT", "FRAUD":
		return "PUBLIC_ORDER"
	case "TRAFFIC":
		return "SAFETY_HAZARD"
	default:
		return "OTHER"
	}
}

func (w *world) loadStreet(ctx context.Context, l *loader) error {
	if err := copyTable(ctx, l, "street.community", []string{"id", "code", "name"}, w.communities,
		func(c *community) []any { return []any{c.id, c.code, c.name} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "street.grid", []string{"id", "community_id", "code", "name", "kind"}, w.grids,
		func(g *grid) []any { return []any{g.id, g.community.id, g.code, g.name, g.kind} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "street.person",
		[]string{"id", "name", "id_number_hmac", "id_number_cipher", "gender", "birth_date", "phone", "address", "grid_id", "flags"}, w.persons,
		func(p *person) []any {
			var hmac, cipher, birth, gridID any
			if p.idNo != "" {
				hmac, cipher = w.keys.IDNumberHMAC(p.idNo), w.keys.Encrypt(p.idNo)
			}
			if !p.birth.IsZero() {
				birth = p.birth
			}
			if p.grid != nil {
				gridID = p.grid.id
			}
			flags := p.flags
			if flags == nil {
				flags = []string{}
			}
			return []any{p.id, p.name, hmac, cipher, p.gender, birth, nullText(p.phone), p.address, gridID, flags}
		}); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "street.grid_worker", []string{"id", "person_id", "grid_id", "post", "active_from", "active_to"}, w.workers,
		func(gw *gridWorker) []any {
			return []any{gw.id, gw.person.id, gw.grid.id, gw.post, gw.from, nullTime(gw.to)}
		}); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "street.property_company", []string{"id", "name", "unified_credit_code"}, w.companies,
		func(c *company) []any { return []any{c.id, c.name, c.code} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "street.estate", []string{"id", "community_id", "grid_id", "property_company_id", "name", "households", "management_mode"}, w.estates,
		func(e *estate) []any {
			var comp any
			if e.company != nil {
				comp = e.company.id
			}
			return []any{e.id, e.grid.community.id, e.grid.id, comp, e.name, int32(e.households), e.mode}
		}); err != nil {
		return err
	}
	return copyTable(ctx, l, "street.alliance_membership", []string{"id", "property_company_id", "joined_on", "left_on", "role"}, w.memberships,
		func(m *membership) []any { return []any{m.id, m.company.id, m.joined, nullTime(m.left), m.role} })
}

// loadGridEvents loads the events and their status logs. Events converted into a dispute are
// loaded in their state before the conversion (the dispute does not exist yet) and completed
// by linkConvertedEvents once the disputes are in.
func (w *world) loadGridEvents(ctx context.Context, l *loader) error {
	final := finals(eventFinal)
	err := copyTable(ctx, l, "street.grid_event",
		[]string{"id", "event_no", "grid_id", "estate_id", "reporter_id", "category", "urgency", "status", "summary",
			"reported_at", "due_at", "closed_at", "converted_case_id"}, w.events,
		func(e *gridEvent) []any {
			var est, conv any
			if e.estate != nil {
				est = e.estate.id
			}
			status := e.path.status()
			if e.convCase != nil {
				conv = e.convCase.id
			}
			if e.convDispute != nil {
				status = e.path.steps[len(e.path.steps)-2].status
			}
			return []any{e.id, e.no, e.grid.id, est, e.reporter.id, e.category, e.urgency, status, e.summary,
				e.path.steps[0].at, e.due, e.path.closedAt(final), conv}
		})
	if err != nil {
		return err
	}
	return copyStatusLog(ctx, l, "street.grid_event_status_log", w.events)
}

// linkConvertedEvents completes the events converted into disputes: the foreign keys between
// street.grid_event and mediation.dispute point both ways, so one side must be set after both
// rows exist. This is one set-based statement, not per-row SQL.
func (w *world) linkConvertedEvents(ctx context.Context, l *loader) error {
	want := 0
	for _, e := range w.events {
		if e.convDispute != nil {
			want++
		}
	}
	tag, err := l.tx.Exec(ctx, `
		UPDATE street.grid_event e
		   SET status = 'CONVERTED', converted_dispute_id = d.id
		  FROM mediation.dispute d
		 WHERE d.grid_event_id = e.id AND d.source = 'GRID_REPORT'`)
	if err != nil {
		return fmt.Errorf("seed: link converted grid events: %w", err)
	}
	if int(tag.RowsAffected()) != want {
		return fmt.Errorf("seed: link converted grid events: updated %d rows, want %d", tag.RowsAffected(), want)
	}
	return nil
}
