package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word lists. They are constants, parsed once per run into texts, so the package keeps no
// mutable state.
const (
	// familyNames repeats the commonest surnames so that they are drawn more often.
	familyNames    = `王王王王王李李李李李张张张张张刘刘刘刘陈陈陈陈杨杨杨黄黄赵赵吴吴周周徐徐孙孙马马朱朱胡胡郭郭何何高高林林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝`
	maleChars      = `伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩宇俊峰建国文志海东林晨博子轩然睿泽航杨帆凯旭阳亮成龙振洋健彬春雷新庆宏伦毅坤立功德福广永兵锋晓光天翔嘉豪铭昊昌松军瑞祥金山江河胜利学兴家良诚发维昆`
	femaleChars    = `芳娜敏静丽艳娟霞秀英玲婷雪慧颖琳洁红梅倩萍燕晶欣悦怡佳雨涵梓诗琪璐薇瑶月兰凤菲妍蕾琴云莉颖桂珍秋玉清晴馨露冰欢娇荣爱淑莹霏思雅梦可彤蓉婉`
	oldMaleGiven   = `建国 建华 国强 国庆 志强 卫东 卫国 振华 德福 德明 永祥 长江 文革 红军 建军 援朝 胜利 树林 宝山 金生`
	oldFemaleGiven = `秀英 桂英 玉兰 淑珍 凤英 秀兰 桂兰 淑英 玉珍 秀珍 丽华 秀芳 淑兰 桂芳 玉梅 素珍 金凤 美华 翠花 秀云`

	// communityRoots name the communities (and, through them, stations and committees).
	communityRoots = `和平里 安贞里 青年湖 化工 兴化 民旺 交东 新建 地坛 黄寺 小黄庄 雍和宫 柳荫 板桥 东四 朝阳门 北新桥 交道口 景山 东华门 建国门 东直门 崇文门 前门 天坛 龙潭 永定门 金鱼池 花市 幸福 光明 团结 友谊 胜利 东风 向阳 红旗 育新 望京 枫林 桃园 杏林 梅园 松柏 翠微 紫竹 碧水 锦绣 春晖 秀水 清河 金台 银杏 芳草 知春 双榆树 万寿 和义 安华 七圣`
	rootVariants   = `_ 东 西 南 北 中 新 上 下 前 后`

	estateRootSuffixes = `北里 南里 东里 西里 小区 家园 一区 二区 三区 四区 五区 六区 七区 八区 九区 十区 新村 大院 东街小区 西街小区 北街家园 南街家园 花园 公寓 东苑 西苑`
	estateWords        = `锦华 瑞祥 福润 金鼎 嘉和 康乐 泰和 华庭 龙湾 美景 金泰 和信 恒安 佳和 兴业 永安 顺达 宏达 宜居 康泰 富力 丽都 银河 星河 翠堤 兰亭 书香 润泽 怡景 安然 鸿福 盛世 远洋 金地 融科 阳光 绿洲 青枫 紫金 东润`
	estateWordSuffixes = `苑 家园 嘉园 花园 公寓 小区 名苑 雅居 华府 丽景`
	roadSuffixes       = `东街 西街 北街 南街 大街 北路 南路 中路 胡同 东巷 西巷`
	otherDistricts     = `北京市朝阳区 北京市西城区 北京市海淀区 北京市丰台区 北京市通州区 北京市昌平区 北京市大兴区 北京市顺义区`

	// idRegions are region codes for identity numbers: Beijing districts first (weighted
	// heavier by repetition), then the home regions of residents from other provinces.
	idRegions = `110101 110101 110101 110101 110101 110101 110102 110102 110105 110105 110105 110106 110108 110108 110101 110102 ` +
		`130102 130602 140105 210102 230102 320102 340102 370102 410102 420102 430102 510104 610102 360102 150102 120101 130203 410302`
	phonePrefixes = `130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 170 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199`
	companyWords  = `金泰 华远 鸿运 安居 万家 盛世 嘉禾 福泰 恒通 和信 中天 瑞祥 恒安 佳和 兴业 永利 顺达 宏达 宜居 康泰 首信 京华 东方 北辰 天润 德信 长城 京安 新城 丰泰 华盛 信诚 国安 龙泰 世纪 裕丰 隆达 京都 明珠 金桥 广厦 德胜 嘉业 华美 安泰 永信`
	companyKinds  = `物业管理有限公司 物业服务有限公司 物业管理有限责任公司 物业服务集团有限公司`
)

// texts holds the parsed word lists and text templates of one run.
type texts struct {
	family, male, female    []string
	oldMale, oldFemale      []string
	roots, variants         []string
	estateRootSuffixes      []string
	estateWords, estateWSuf []string
	roadSuffixes, districts []string
	regions, phonePrefixes  []string
	companyWords, compKinds []string
	templates               map[string][]string
}

func newTexts() *texts {
	runes := func(s string) []string {
		var out []string
		for _, r := range s {
			out = append(out, string(r))
		}
		return out
	}
	t := &texts{
		family:             runes(familyNames),
		male:               runes(maleChars),
		female:             runes(femaleChars),
		oldMale:            strings.Fields(oldMaleGiven),
		oldFemale:          strings.Fields(oldFemaleGiven),
		roots:              strings.Fields(communityRoots),
		variants:           strings.Fields(rootVariants),
		estateRootSuffixes: strings.Fields(estateRootSuffixes),
		estateWords:        strings.Fields(estateWords),
		estateWSuf:         strings.Fields(estateWordSuffixes),
		roadSuffixes:       strings.Fields(roadSuffixes),
		districts:          strings.Fields(otherDistricts),
		regions:            strings.Fields(idRegions),
		phonePrefixes:      strings.Fields(phonePrefixes),
		companyWords:       strings.Fields(companyWords),
		compKinds:          strings.Fields(companyKinds),
		templates:          map[string][]string{},
	}
	for _, block := range []string{policeTemplates, streetTemplates, mediationTemplates, riskTemplates, welfareTemplates} {
		parseTemplates(t.templates, block)
	}
	return t
}

// parseTemplates reads lines "key: first | second | …" into m.
func parseTemplates(m map[string][]string, block string) {
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, rest, ok := strings.Cut(line, ":")
		if !ok {
			panic("seed: bad template line " + line)
		}
		for _, v := range strings.Split(rest, "|") {
			if v = strings.TrimSpace(v); v != "" {
				m[strings.TrimSpace(key)] = append(m[strings.TrimSpace(key)], v)
			}
		}
	}
}

// tpl returns a random template for key, with {x} placeholders replaced from kv pairs.
func (t *texts) tpl(r *rand.Rand, key string, kv ...string) string {
	list := t.templates[key]
	if len(list) == 0 {
		panic("seed: no template " + key)
	}
	s := pick(r, list)
	for i := 0; i+1 < len(kv) && strings.Contains(s, "{"); i += 2 {
		s = strings.ReplaceAll(s, kv[i], kv[i+1])
	}
	return s
}

// personName returns a realistic Chinese name; people born before 1965 sometimes carry the
// typical two-character given names of their generation.
func (t *texts) personName(r *rand.Rand, male bool, birthYear int) string {
	family := pick(r, t.family)
	if birthYear < 1965 && chance(r, 0.35) {
		if male {
			return family + pick(r, t.oldMale)
		}
		return family + pick(r, t.oldFemale)
	}
	chars := t.female
	if male {
		chars = t.male
	}
	if chance(r, 0.3) {
		return family + pick(r, chars)
	}
	a, b := pick(r, chars), pick(r, chars)
	for b == a {
		b = pick(r, chars)
	}
	return family + a + b
}

// phone returns an 11-digit mainland mobile number 1[3-9]X XXXX XXXX.
func (t *texts) phone(r *rand.Rand) string {
	return fmt.Sprintf("%s%08d", pick(r, t.phonePrefixes), r.IntN(100000000))
}

// flat returns a building/unit/room suffix such as "3号楼2单元501室".
func flat(r *rand.Rand) string {
	floor := between(r, 1, 18)
	return fmt.Sprintf("%d号楼%d单元%d%02d室", between(r, 1, 24), between(r, 1, 6), floor, between(r, 1, 4))
}

// road returns a street address such as "和平里东街12号" near a community.
func (t *texts) road(r *rand.Rand, root string) string {
	return fmt.Sprintf("%s%s%d号", root, pick(r, t.roadSuffixes), between(r, 1, 120))
}

// elsewhere returns an address in another Beijing district.
func (t *texts) elsewhere(r *rand.Rand) string {
	return pick(r, t.districts) + pick(r, t.estateWords) + pick(r, t.estateWSuf) + flat(r)
}
