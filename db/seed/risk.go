package seed

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

type assessment struct {
	id       int64
	title    string
	subject  string
	unit     string
	grid     *grid
	path     path
	level    string
	decision string
	seq      int
}

func (a *assessment) logID() int64     { return a.id }
func (a *assessment) logSteps() []step { return a.path.steps }

type riskItem struct {
	id          int64
	assessment  *assessment
	grid        *grid
	estate      *estate
	dimension   string
	description string
	likelihood  int
	impact      int
	path        path
	dispute     *dispute // the failed dispute it escalates from
	seq         int
}

func (it *riskItem) logID() int64     { return it.id }
func (it *riskItem) logSteps() []step { return it.path.steps }

type measure struct {
	id     int64
	item   *riskItem
	action string
	owner  string
	due    time.Time
	status string
	done   time.Time
}

type riskLink struct {
	id      int64
	item    *riskItem
	pcase   *policeCase
	dispute *dispute
	event   *gridEvent
}

// riskTemplates are the texts of assessments, risk items and measures.
const riskTemplates = `
assessment.DECISION: {community}停车管理收费调整决策 | {community}老旧小区加装电梯方案决策 | {community}占道经营整治决策 | {estate}物业管理模式调整决策
assessment.PROJECT: {community}老旧小区综合整治项目 | {estate}雨污管网改造工程 | {community}背街小巷环境整治项目 | {estate}停车场建设项目 | {community}养老服务驿站建设项目
assessment.EVENT: {community}迎春文化庙会 | {community}大型群众性体育活动 | {community}集中拆除违法建设行动 | {community}重大节日安保活动
assessment.POLICY: 街道群租房整治政策 | 街道垃圾分类实施方案 | 街道网格化管理办法修订 | 街道物业费收缴指导意见
unit: 街道城市管理办公室 | 街道平安建设办公室 | 街道社区建设办公室 | 街道综合执法队 | 社区居委会 | 派出所社区警务队 | 街道房管所
risk.LEGALITY: 相关决策程序不完备，存在被诉风险 | 征询意见程序未覆盖全部利害关系人 | 补偿标准依据不充分
risk.REASONABLENESS: 部分群众利益诉求未得到合理回应 | 收费标准调整幅度较大，居民接受度低 | 不同群体受益不均衡
risk.FEASIBILITY: 施工周期与居民出行冲突 | 资金来源未完全落实 | 实施条件受场地限制
risk.CONTROLLABILITY: 可能引发集体上访 | 网络舆情发酵风险 | 部分居民情绪激动，存在对抗风险
risk.PUBLIC_ORDER: {estate}邻里纠纷反复激化，可能引发治安案件 | {estate}群租房人员流动大，治安隐患突出 | {estate}物业撤场引发业主聚集 | {place}夜间聚集饮酒滋事 | {estate}劳资纠纷可能引发群体性讨薪 | {estate}电动自行车违规充电存在火灾隐患 | {estate}独居老人安全照护风险
risk.ESCALATION: 调解不成，双方矛盾可能进一步激化：{summary}
measure: 组织网格员每日走访，掌握动态 | 联合派出所开展联合巡查 | 召开居民议事会征求意见 | 约谈物业公司负责人限期整改 | 邀请律师开展法律咨询 | 组织调解员再次上门疏导 | 制定应急处置预案 | 开展消防安全专项检查 | 加强重点时段巡逻防控 | 协调相关职能部门联合处置
`

func (w *world) genRisk() {
	r := w.rng("risk.assessment")
	t := w.txt
	subject := parseWeights("DECISION:30 PROJECT:35 EVENT:20 POLICY:15")
	level := parseWeights("HIGH:15 MEDIUM:40 LOW:45")
	for i := range w.sz.assessments {
		a := &assessment{seq: i, subject: subject.pick(r), unit: t.tpl(r, "unit")}
		if a.subject != "POLICY" || chance(r, 0.2) {
			a.grid = pick(r, w.grids)
		}
		comm, est := w.communities[0].name, w.streetName
		if a.grid != nil {
			comm = a.grid.community.name
			est = comm
			if len(a.grid.estates) > 0 {
				est = pick(r, a.grid.estates).name
			}
		}
		a.title = t.tpl(r, "assessment."+a.subject, "{community}", comm, "{estate}", est) + "社会稳定风险评估"
		act := "staff:" + a.unit
		p := &a.path
		p.add("PROPOSED", w.moment(r, w.start, w.end.Add(-10*day)), act)
		p.then("PLANNED", dur(r, 3*day, 15*day), act)
		consult := func() {
			p.then("CONSULTING", dur(r, 3*day, 20*day), act)
			p.then("ANALYSING", dur(r, 5*day, 20*day), act)
			p.then("GRADED", dur(r, 3*day, 10*day), act)
		}
		decide := func() {
			p.then("REPORTED", dur(r, 2*day, 10*day), act)
			p.then("DECIDED", dur(r, 3*day, 20*day), act)
			p.then("MONITORING", dur(r, day, 7*day), act)
		}
		consult()
		if chance(r, 0.1) {
			consult()
			p.steps[len(p.steps)-3].reason = "评估条件发生变化，重新征询意见"
		}
		decide()
		if chance(r, 0.05) {
			consult()
			p.steps[len(p.steps)-3].reason = "实施中情况发生变化，重新评估"
			decide()
		}
		if chance(r, 0.8) {
			p.then("CLOSED", dur(r, 30*day, 180*day), act)
		}
		p.cut(w.end)
		if p.has("GRADED") {
			a.level = level.pick(r)
		}
		if p.has("DECIDED") {
			switch a.level {
			case "LOW":
				a.decision = "PROCEED"
			case "MEDIUM":
				a.decision = pick(r, []string{"PROCEED_WITH_MEASURES", "PROCEED_WITH_MEASURES", "PROCEED"})
			default:
				a.decision = pick(r, []string{"PROCEED_WITH_MEASURES", "DEFERRED", "REJECTED"})
			}
		}
		w.assessments = append(w.assessments, a)
	}
	slices.SortFunc(w.assessments, func(a, b *assessment) int {
		return cmp.Or(a.path.steps[0].at.Compare(b.path.steps[0].at), cmp.Compare(a.seq, b.seq))
	})
	for i, a := range w.assessments {
		a.id = int64(i + 1)
	}

	w.genRiskItems()
}

func (w *world) genRiskItems() {
	r := w.rng("risk.risk_item")
	t := w.txt
	n := w.sz.riskItems
	score := parseWeights("1:10 2:25 3:30 4:22 5:13")
	atoi := func(s string) int { return int(s[0] - '0') }

	// failed disputes that may escalate
	var failed []*dispute
	for _, d := range w.disputes {
		if d.path.status() == "FAILED" {
			failed = append(failed, d)
		}
	}
	for _, d := range failed {
		if len(w.items) >= n/4 {
			break
		}
		if !chance(r, 0.35) {
			continue
		}
		at := d.path.last().at.Add(dur(r, time.Hour, 3*day))
		if !at.Before(w.end) {
			continue
		}
		it := &riskItem{grid: d.grid, estate: d.estate, dimension: "PUBLIC_ORDER", dispute: d,
			likelihood: between(r, 3, 5), impact: between(r, 3, 4)}
		summary := d.summary
		if _, after, ok := strings.Cut(summary, "移交："); ok {
			summary = after
		}
		it.description = t.tpl(r, "risk.ESCALATION", "{summary}", summary)
		w.riskPath(r, it, at, 0.25)
		w.items = append(w.items, it)
	}

	// items found by assessments
	var analysed []*assessment
	for _, a := range w.assessments {
		if a.path.has("ANALYSING") {
			analysed = append(analysed, a)
		}
	}
	dimension := parseWeights("LEGALITY:15 REASONABLENESS:20 FEASIBILITY:20 CONTROLLABILITY:25 PUBLIC_ORDER:20")
	target := len(w.items) + n/4
	for len(analysed) > 0 && len(w.items) < target {
		a := pick(r, analysed)
		at, _ := a.path.when("ANALYSING")
		at = at.Add(dur(r, time.Hour, 5*day))
		if !at.Before(w.end) {
			continue
		}
		it := &riskItem{assessment: a, grid: a.grid, dimension: dimension.pick(r),
			likelihood: atoi(score.pick(r)), impact: atoi(score.pick(r))}
		if it.grid == nil {
			it.grid = pick(r, w.grids)
		}
		w.itemText(r, it)
		w.riskPath(r, it, at, 0.08)
		w.items = append(w.items, it)
	}

	// items reported in the grids, more of them recent
	dimension = parseWeights("LEGALITY:8 REASONABLENESS:8 FEASIBILITY:9 CONTROLLABILITY:20 PUBLIC_ORDER:55")
	for len(w.items) < n {
		it := &riskItem{grid: pick(r, w.grids), dimension: dimension.pick(r),
			likelihood: atoi(score.pick(r)), impact: atoi(score.pick(r))}
		if len(it.grid.estates) > 0 && chance(r, 0.6) {
			it.estate = pick(r, it.grid.estates)
		}
		from := w.start
		if chance(r, 0.45) {
			from = w.end.AddDate(-1, 0, 0)
		}
		w.itemText(r, it)
		w.riskPath(r, it, w.moment(r, from, w.end), 0.08)
		w.items = append(w.items, it)
	}

	for i, it := range w.items {
		it.seq = i
	}
	slices.SortFunc(w.items, func(a, b *riskItem) int {
		return cmp.Or(a.path.steps[0].at.Compare(b.path.steps[0].at), cmp.Compare(a.seq, b.seq))
	})
	for i, it := range w.items {
		it.id = int64(i + 1)
	}
	w.genMeasuresAndLinks()
}

// itemText writes the description of a risk item.
func (w *world) itemText(r *rand.Rand, it *riskItem) {
	est := it.grid.community.name
	if it.estate != nil {
		est = it.estate.name
	}
	it.description = w.txt.tpl(r, "risk."+it.dimension, "{estate}", est, "{place}", w.txt.road(r, it.grid.community.short))
}

// riskPath plans IDENTIFIED → MITIGATING → RESOLVED | ESCALATED from at, cut at the end.
func (w *world) riskPath(r *rand.Rand, it *riskItem, at time.Time, pEscalate float64) {
	act := "staff:" + w.streetName + "平安建设办公室"
	p := &it.path
	p.add("IDENTIFIED", at, act)
	if chance(r, 0.92) {
		p.then("MITIGATING", dur(r, day, 20*day), act)
		switch x := r.Float64(); {
		case x < pEscalate:
			p.then("ESCALATED", dur(r, 10*day, 120*day), act)
			p.steps[len(p.steps)-1].reason = "风险等级上升，提请上级部门协调处置"
		case x < pEscalate+0.72:
			p.then("RESOLVED", dur(r, 20*day, 300*day), act)
		}
	}
	p.cut(w.end)
}

// genMeasuresAndLinks adds 1–3 measures to every item and links most items to cases,
// disputes or grid events of their grid.
func (w *world) genMeasuresAndLinks() {
	rm := w.rng("risk.measure")
	rl := w.rng("risk.risk_link")
	units := w.txt.templates["unit"]
	for _, it := range w.items {
		start := w.date(it.path.steps[0].at)
		last := w.date(it.path.last().at)
		st := it.path.status()
		n := between(rm, 1, 3)
		due := start
		for k := range n {
			due = due.AddDate(0, 0, between(rm, 7, 60))
			m := &measure{id: int64(len(w.measures) + 1), item: it, action: w.txt.tpl(rm, "measure"), owner: pick(rm, units), due: due}
			switch {
			case st == "RESOLVED":
				m.status = "DONE"
			case st == "ESCALATED":
				m.status = pick(rm, []string{"DONE", "IN_PROGRESS"})
			case st == "MITIGATING" && k == 0 && chance(rm, 0.4):
				m.status = "DONE"
			case st == "MITIGATING":
				m.status = pick(rm, []string{"IN_PROGRESS", "IN_PROGRESS", "PLANNED"})
			default:
				m.status = "PLANNED"
			}
			if m.status == "DONE" {
				end := last
				if st == "MITIGATING" {
					end = w.today
				}
				span := int(end.Sub(start)/day) + 1
				m.done = start.AddDate(0, 0, rm.IntN(max(span, 1)))
			}
			w.measures = append(w.measures, m)
		}

		at := it.path.steps[0].at
		if it.dispute != nil {
			w.links = append(w.links, &riskLink{id: int64(len(w.links) + 1), item: it, dispute: it.dispute})
			if c := it.dispute.refCase; c != nil && chance(rl, 0.5) {
				w.links = append(w.links, &riskLink{id: int64(len(w.links) + 1), item: it, pcase: c})
			}
			continue
		}
		if !chance(rl, 0.85) {
			continue
		}
		kinds := []int{0, 1, 2}
		rl.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		for _, k := range kinds[:between(rl, 1, 2)] {
			g := it.grid
			link := &riskLink{item: it}
			switch k {
			case 0:
				link.pcase = recentBefore(rl, g.cases, at, func(c *policeCase) time.Time { return c.received })
			case 1:
				link.dispute = recentBefore(rl, g.disputes, at, func(d *dispute) time.Time { return d.received })
			default:
				link.event = recentBefore(rl, g.events, at, func(e *gridEvent) time.Time { return e.path.steps[0].at })
			}
			if link.pcase == nil && link.dispute == nil && link.event == nil {
				continue
			}
			link.id = int64(len(w.links) + 1)
			w.links = append(w.links, link)
		}
	}
}

// recentBefore picks one of the last 30 entries of a chronological list that happened before
// t, or nil when there is none.
func recentBefore[T any](r *rand.Rand, list []T, t time.Time, at func(T) time.Time) T {
	k := sort.Search(len(list), func(i int) bool { return !at(list[i]).Before(t) })
	var zero T
	if k == 0 {
		return zero
	}
	return list[between(r, max(0, k-30), k-1)]
}

func (w *world) loadRisk(ctx context.Context, l *loader) error {
	if err := copyTable(ctx, l, "risk.assessment",
		[]string{"id", "title", "subject_type", "responsible_unit", "grid_id", "status", "level", "decision", "opened_at", "decided_at"}, w.assessments,
		func(a *assessment) []any {
			var g, decided any
			if a.grid != nil {
				g = a.grid.id
			}
			if a.decision != "" {
				// the latest decision taken
				for _, s := range a.path.steps {
					if s.status == "DECIDED" {
						decided = s.at
					}
				}
			}
			return []any{a.id, a.title, a.subject, a.unit, g, a.path.status(), nullText(a.level), nullText(a.decision), a.path.steps[0].at, decided}
		}); err != nil {
		return err
	}
	if err := copyStatusLog(ctx, l, "risk.assessment_status_log", w.assessments); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "risk.risk_item",
		[]string{"id", "assessment_id", "grid_id", "estate_id", "dimension", "description", "likelihood", "impact", "status", "identified_at"}, w.items,
		func(it *riskItem) []any {
			var a, est any
			if it.assessment != nil {
				a = it.assessment.id
			}
			if it.estate != nil {
				est = it.estate.id
			}
			return []any{it.id, a, it.grid.id, est, it.dimension, it.description, int16(it.likelihood), int16(it.impact), it.path.status(), it.path.steps[0].at}
		}); err != nil {
		return err
	}
	if err := copyStatusLog(ctx, l, "risk.risk_item_status_log", w.items); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "risk.measure", []string{"id", "risk_item_id", "action", "owner_unit", "due_on", "status", "done_on"}, w.measures,
		func(m *measure) []any {
			return []any{m.id, m.item.id, m.action, m.owner, m.due, m.status, nullTime(m.done)}
		}); err != nil {
		return err
	}
	return copyTable(ctx, l, "risk.risk_link", []string{"id", "risk_item_id", "case_id", "dispute_id", "grid_event_id"}, w.links,
		func(k *riskLink) []any {
			var c, d, e any
			if k.pcase != nil {
				c = k.pcase.id
			}
			if k.dispute != nil {
				d = k.dispute.id
			}
			if k.event != nil {
				e = k.event.id
			}
			return []any{k.id, k.item.id, c, d, e}
		})
}
